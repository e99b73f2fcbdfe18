#pragma once

// `virtplan destroy [-f PATH] [--auto-approve] [--force] [--target ADDR]...
// [--json] [--lock-wait SECONDS]`: lock the hosts, observe, plan the
// destruction of everything the stack owns (or the targets and what depends
// on them), in reverse dependency order, ask, destroy, report. Objects the
// stack does not own are never in the plan. The plan names what a destroy
// loses (DATA LOSS: a volume's size, a domain's managed save, NVRAM and
// snapshots); a network that domains outside the plan still use is refused,
// naming them. Running domains are shut down gracefully (ACPI, then forced
// after their shutdown_timeout, with a warning), side by side. `--force`
// forces them off at once and destroys such networks anyway, the plan naming
// each domain it cuts off.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_destroy(CLI::App& command);

}  // namespace virtplan::cli
