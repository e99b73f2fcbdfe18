#pragma once

// `virtplan metrics [-f PATH] [--format prometheus|influx|json]`: statistics
// of the stack's domains (declared or owned) from `virsh domstats --raw`,
// one command per host read in the first round of the host's observation
// (kvm/domain_stats_reader.h): state, CPU time, vCPUs, balloon, per-NIC and
// per-disk bytes, labelled domain, host and stack. A declared domain that
// is not there has no sample. Exit 0, or 1 when a host could not be read
// (named on stderr, and in the JSON's "unreachable").

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_metrics(CLI::App& command);

}  // namespace virtplan::cli
