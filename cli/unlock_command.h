#pragma once

// `virtplan unlock HOST|ADDR [-f PATH] [--auto-approve]`: break the stack's
// lock on one host, like `terraform force-unlock`. Shows who holds it (the
// command, its pid and machine, when it took the lock, how long ago, and the
// host process holding it), asks, and ends that host process. Without a
// terminal it refuses unless --auto-approve, as apply does. A lock that is
// free says so and changes nothing (docs/locking.md).

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_unlock(CLI::App& command);

}  // namespace virtplan::cli
