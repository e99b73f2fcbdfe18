#pragma once

// How the disks of one domain update or create name their volumes on a host
// (kvm/disk_sources.h): for every volume a disk of the desired or the
// observed spec uses (a CD-ROM's media too), its pool's type and its path:
// each pool read once per session, a file-backed pool's volume paths derived
// from its target, the others' asked in one virsh batch. A volume whose pool or path cannot be read is
// written by pool and volume, as before: libvirt then says what is wrong at define.

#include "kvm/disk_sources.h"
#include "providers/host/host_session.h"

#include <nlohmann/json.hpp>

#include <set>
#include <vector>

namespace virtplan::kvm {

// The volumes of the disks of `specs` (canonical domain specs; null ones
// skipped), as (pool, name), sorted.
std::set<DiskSources::Volume> disk_volumes(const std::vector<const nlohmann::json*>& specs);

// The paths and disk types of `volumes` on `host`.
DiskSources read_disk_sources(const providers::HostSession& host,
                              const std::set<DiskSources::Volume>& volumes);

}  // namespace virtplan::kvm
