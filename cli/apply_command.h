#pragma once

// `virtplan apply [-f PATH] [PLANFILE] [--auto-approve] [--parallelism N]
// [--target ADDR]... [--json] [--lock-wait SECONDS]`: lock the hosts,
// observe, diff (or check a saved plan is not stale), ask, apply, report.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_apply(CLI::App& command);

}  // namespace virtplan::cli
