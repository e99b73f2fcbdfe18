#pragma once

// DomainStatsReader reads `virsh domstats --raw` (every domain of the host,
// one command) in the first round of a host's observation, so metrics cost
// no round trip of their own. It reports one object per domain, named after
// it, whose spec is {"stats": {KEY: VALUE, ...}} as printed (see
// domain_stats.h); `virtplan metrics` keeps the stack's domains.

#include "providers/kind/reader.h"

namespace virtplan::kvm {

class DomainStatsReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "domstats"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
};

}  // namespace virtplan::kvm
