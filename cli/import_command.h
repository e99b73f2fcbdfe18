#pragma once

// `virtplan import ADDR [-f PATH]`: adopts an object that exists on a host of
// the stack but is owned by no stack (made by hand, or by another tool) into
// the stack's ownership (cli/object_adoption.h), and prints on stdout the
// stack YAML that declares it as it is, under its section and with `host:`,
// so that once it is in the stack the plan for it is empty. An object owned
// by another stack is refused, naming that stack; one the stack owns already
// only has its YAML printed. Exit 0, or 1 with the reason.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_import(CLI::App& command);

}  // namespace virtplan::cli
