#pragma once

// DomainStatsReader reads `virsh domstats --raw` (every domain of the host,
// one command, the groups domstats_command() names) in the first round of a
// host's observation, so metrics cost no round trip of their own. It reports
// one object per domain, named after it, whose spec is {"stats": {KEY:
// VALUE, ...}} as printed (see domain_stats.h); `virtplan metrics` keeps the
// stack's domains.

#include "providers/kind/reader.h"

namespace virtplan::kvm {

// The groups `virtplan metrics` renders, and no others. Without a group,
// domstats reads them all, and libvirt 9.0 fails the whole command, for
// every domain of the host, when the monitor query of one of the groups
// iothread or dirtyrate fails on one domain (where those of balloon, block,
// vcpu and interface are dropped): a domain whose QEMU ends under the read
// (destroyed, shut down: another stack's, another test's) made it fail with
// "Unable to read from monitor: Connection reset by peer".
providers::VirshArgs domstats_command();

class DomainStatsReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "domstats"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
};

}  // namespace virtplan::kvm
