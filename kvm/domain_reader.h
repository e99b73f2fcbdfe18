#pragma once

// DomainReader reads every domain of a host in two rounds (names and state,
// then each inactive XML), adding what the XML lacks: `state` (running,
// paused or stopped), `autostart`, and /saved_state, what a destroy would
// delete with the domain (kvm/domain_saved_state.h): managed save and
// snapshots from the first round's listings, the snapshots counted in the
// second round for only the domains that have some. A disk that names a pool
// volume by path (kvm/disk_sources.h) is that volume: the first round lists
// the active pools, the second their volumes with their paths (the volume
// reader asks the same, and a round runs each command once).

#include "providers/kind/reader.h"

namespace virtplan::kvm {

class DomainReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "domain"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
  // Every domain the stack defines carries its <metadata> owner marker.
  bool marks_owner() const override { return true; }
};

}  // namespace virtplan::kvm
