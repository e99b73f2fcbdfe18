#pragma once

// `virtplan validate [-f PATH]`: loads and checks the stack without contacting
// any host. Prints every problem, one "PATH:LINE:COLUMN: message" a line,
// sorted, and exits 1; or prints "stack demo: 3 hosts, 12 objects, valid" and
// exits 0.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_validate(CLI::App& command);

}  // namespace virtplan::cli
