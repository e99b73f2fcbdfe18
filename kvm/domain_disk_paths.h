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

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace virtplan::kvm {

// What a pool's XML (`pool-dumpxml`) says of where its volumes are.
struct PoolPlace {
  std::string type;         // "dir"
  std::string target_path;  // "/var/lib/libvirt/images", no trailing slash
};

// The place `xml` describes; nullopt when it was not read or has no type.
std::optional<PoolPlace> pool_place(const providers::Result<std::string>& xml);

// Whether the pool keeps its volumes as files in its target directory, each
// volume NAME at TARGET/NAME (libvirt's filesystem backend: a pool of
// files, providers::pool_of_files); other pools' volume paths are asked of
// the host.
bool paths_follow_names(const PoolPlace& pool);

// The volumes of the disks of `specs` (canonical domain specs; null ones
// skipped), as (pool, name), sorted.
std::set<DiskSources::Volume> disk_volumes(const std::vector<const nlohmann::json*>& specs);

// The paths and disk types of `volumes` on `host`.
DiskSources read_disk_sources(const providers::HostSession& host,
                              const std::set<DiskSources::Volume>& volumes);

}  // namespace virtplan::kvm
