#include "cli/kinds.h"

#include "kvm/domain_kind.h"
#include "net/network_kind.h"
#include "storage/cloud_init_volumes.h"
#include "storage/pool_kind.h"
#include "storage/volume_kind.h"

namespace virtplan::cli {

const providers::KindRegistry& kinds() {
  // One line per kind: adding a kind is a folder and a line here.
  static const kvm::DomainKind domain;
  static const net::NetworkKind network;
  static const storage::PoolKind pool;
  static const storage::VolumeKind volume;
  static const storage::CloudInitVolumes cloud_init_volumes;
  static const providers::KindRegistry registry = [] {
    providers::KindRegistry all;
    all.add(domain);
    all.add(network);
    all.add(pool);
    all.add(volume);
    all.add_expander(cloud_init_volumes);
    return all;
  }();
  return registry;
}

planner::KindLookup kind_lookup() {
  return [](std::string_view kind) { return kinds().by_kind(kind); };
}

}  // namespace virtplan::cli
