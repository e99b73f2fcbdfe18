#pragma once

// `virtplan destroy [-f PATH] [--auto-approve] [--target ADDR]... [--json]
// [--lock-wait SECONDS]`: lock the hosts, observe, plan the destruction of
// everything the stack owns (or the targets and what depends on them), in
// reverse dependency order, ask, destroy, report. Objects the stack does not
// own are never in the plan.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_destroy(CLI::App& command);

}  // namespace virtplan::cli
