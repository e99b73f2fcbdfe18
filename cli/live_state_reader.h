#pragma once

// LiveStateReader reads, alongside the kinds' own readers (in the same batch
// rounds, so a host still costs a constant number of round trips), the live
// facts `virtplan status` shows that the kinds' specs leave out: which
// networks and pools are active, and each running domain's IP addresses from
// its DHCP leases. Round 1: `net-list --name`, `pool-list --name`,
// `list --name --state-running`; round 2: `domifaddr --source lease` per
// running domain. It reports one object per fact holder, named "KIND:NAME"
// ("network:lan" {"active": true}, "domain:web" {"addresses": [...]}).

#include "providers/kind/reader.h"

#include <string>
#include <vector>

namespace virtplan::cli {

class LiveStateReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "live"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
};

}  // namespace virtplan::cli
