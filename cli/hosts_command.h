#pragma once

// `virtplan hosts [-f PATH]`: reaches every host of the stack, in parallel,
// and prints one line per host, sorted by name: its libvirt and hypervisor
// versions and whether it runs KVM or only TCG, or exactly why it cannot be
// used (unreachable, host key unknown or changed, authentication, no
// libvirt). Exits 1 when any host failed. The first thing to run against a
// new host, and what the quickstart runs on the lab.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_hosts(CLI::App& command);

}  // namespace virtplan::cli
