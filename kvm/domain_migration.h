#pragma once

// The domain's part of a migration (providers::MigrationPart, run in order by
// planner/apply_migration.h), offline: the domain is stopped on the source.
//
//   copy: each volume that moves with it is made again on the destination
//     (deleted first when a crash left one there), empty, of the same name,
//     pool, format and capacity, and its bytes are copied host to host through
//     the control machine (providers/virsh/volume_copy.h): vol-download on the
//     source over its SSH session, vol-upload on the destination over its own.
//     The hypervisors never talk to each other.
//   define: the source's inactive XML (with security info, so what virtplan
//     does not manage survives, UUID and MACs included), each disk's file
//     path of a moved volume rewritten to its path on the destination, is
//     defined there; then started as the declaration asks.
//   remove_source: the moved volumes deleted on the source, then the domain
//     undefined there (each skipped when already gone: a rerun after a crash).

#include "providers/kind/actuator.h"

namespace virtplan::kvm {

providers::Result<providers::ActuatorOutcome> migrate_domain(const providers::MigrationStep& step,
                                                             providers::MigrationPart part,
                                                             providers::HostSession& from,
                                                             providers::HostSession& to);

}  // namespace virtplan::kvm
