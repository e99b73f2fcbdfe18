#include "cli/kinds.h"

#include "kvm/domain_kind.h"
#include "net/network_kind.h"
#include "storage/cloud_init_volumes.h"
#include "storage/pool_kind.h"
#include "storage/volume_kind.h"

namespace virtplan::cli {

const providers::KindRegistry& kinds() {
  static const storage::CloudInitVolumes cloud_init_volumes;
  static const providers::KindRegistry registry = [] {
    providers::KindRegistry all;
    // One line per kind: adding a kind is a folder and a line here.
    all.add(kvm::domain_entry());
    all.add(net::network_entry());
    all.add(storage::pool_entry());
    all.add(storage::volume_entry());
    all.add_expander(cloud_init_volumes);
    return all;
  }();
  return registry;
}

planner::KindLookup kind_lookup() {
  return [](std::string_view kind) { return kinds().by_kind(kind); };
}

const std::vector<const providers::KindReader*>& kind_readers() { return kinds().readers(); }

const providers::KindActuator* kind_actuator(std::string_view kind) { return kinds().actuator(kind); }

}  // namespace virtplan::cli
