#pragma once

// `virtplan import ADDR... [-f PATH]`: adopts objects that exist on hosts of
// the stack but are owned by no stack (made by hand, or by another tool) into
// the stack's ownership (cli/object_adoption.h), and prints on stdout the
// stack YAML that declares them as they are, under their sections and with
// `host:`, so that once it is in the stack the plan for them is empty. Each
// host is read once for all its addresses (adopting a host's hundred objects
// is one run, not a hundred). An object owned by another stack is refused,
// naming that stack; one the stack owns already only has its YAML printed.
// Exit 0; or 1, each refused address with its reason on stderr, the YAML of
// those adopted still printed.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_import(CLI::App& command);

}  // namespace virtplan::cli
