#pragma once

// `virtplan status [-f PATH] [--json]`: a live table of every object the
// stack declares or owns: its kind, host, state (running, stopped, paused
// for domains; active, inactive for networks and pools; present for
// volumes; missing when it is not there; unknown when its host could not be
// read), whether the stack owns it, and a running domain's IP addresses from
// its DHCP leases. Read in the same batch rounds as a plan's observation
// (cli/live_state_reader.h). Sorted by address. Exit 0, or 1 when a host
// could not be read (each listed with the reason).

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_status(CLI::App& command);

}  // namespace virtplan::cli
