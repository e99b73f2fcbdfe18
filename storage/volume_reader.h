#pragma once

// VolumeReader reads every volume of every active pool of a host in three
// rounds: the active pools and the domains, each pool's volumes and each
// domain's XML (inactive, and live when running), then each volume's XML.
// The spec gets what the volume's XML does not say: `pool`, `used_by` (the
// domain disks whose source is the volume: [{"domain", "disk", "running"}])
// and `backing_of` (the volumes whose backing file it is), which the
// planner's data-safety rules read (VolumeKind::holds). Volumes carry no
// ownership marker: the ledger says which are the stack's.
//
// A pool stopped or undefined by someone else between the rounds has no
// volumes to show: for a pool the stack does not need that is no failure. A
// pool it declares, names in a declared volume, or owns (ledger) must be read:
// a volume list or dump that fails for it fails the reading.
//
// `vol-list` has no --name in libvirt 9.0: the name is the first column of
// its table, so a volume whose name holds a space (never one of ours: the
// stack's names cannot) is not read.

#include "providers/kind/reader.h"

namespace virtplan::storage {

class VolumeReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "volume"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
  std::vector<std::string> ledger_keys() const override;
};

// The volume names in a `virsh -q vol-list --pool P` table.
std::vector<std::string> parse_volume_table(const std::string& output);

}  // namespace virtplan::storage
