#pragma once

// A domain's migration through shared pools (MigrationStep::Carried::shared,
// planner/migration_plan.h): the volume is one file (or LUN) seen from both
// hosts, so nothing is copied and the source's is never deleted. The plan's
// word for it is checked before anything changes:
//
//   verify_shared_volumes: for each shared pool, the hosts are shown to see
//     the same storage. A file pool (dir, fs, netfs): a file of random
//     content written into the pool's directory on the source must read back
//     the same in the pool's directory on the destination (then removed).
//     Any other type: after a refresh on the destination, the volume's key
//     (`vol-key`: a LUN's serial) must be the same on both. Then the
//     destination's pool is refreshed and must list the volume (libvirt knows
//     a file only once its pool read it). Fails naming the pool and both
//     hosts; never falls back to copying.
//   refuse_one_storage_copied: the other way round, for the volumes the plan
//     copies: a pool both hosts see as one storage but that is not declared
//     shared fails the migration before anything changes, and before the
//     source's volumes are deleted: a copy would be made onto the volume
//     itself, a "half copy" deleted on the destination would be the volume,
//     and the source's deletion would remove the only copy. The proof is the
//     one verify_shared_volumes asks for: a file pool's test file written on
//     the source reads back on the destination; any other pool's volume is
//     listed by the destination (its pool refreshed) under the source's
//     `vol-key`, when that key is not the volume's path (a `disk` pool's
//     key is its /dev path, the same name on every host, no proof).
//   live_storage_flags: the storage part of `virsh migrate --live`: the copy
//     flag, --copy-storage-all, or --copy-storage-inc when a copied volume is
//     an overlay (its base is on the destination already, the overlay made
//     there over it: only top layers cross, and a disk with no backing file,
//     beside it, is its own top layer, copied whole); no copy for a disk on a
//     shared pool (with local disks too, the copy flag with --migrate-disks
//     naming the local targets only); and
//     --unsafe when every shared disk bypasses the host's page cache
//     (cache none or directsync), since then libvirt's only objection is that
//     it does not recognise the filesystem as shared (it knows NFS, GFS2,
//     OCFS2, CephFS...), which verify_shared_volumes proved. With another
//     cache mode libvirt decides, and refuses what it cannot trust.

#include "providers/host/host_session.h"
#include "providers/kind/actuator.h"

#include <string>
#include <vector>

namespace virtplan::kvm {

providers::Result<void> verify_shared_volumes(const providers::MigrationStep& step,
                                              providers::HostSession& from, providers::HostSession& to);
providers::Result<void> refuse_one_storage_copied(const providers::MigrationStep& step,
                                                  providers::HostSession& from, providers::HostSession& to);

// `disks_uri` is --disks-uri's value (only passed when a disk is copied).
providers::Result<std::vector<std::string>> live_storage_flags(const providers::MigrationStep& step,
                                                               providers::HostSession& from,
                                                               const std::string& disks_uri);

}  // namespace virtplan::kvm
