#pragma once

// VolumeReader reads every volume of every active pool of a host in three
// rounds: the active pools, each pool's volumes, then each volume's XML. The
// spec gets `pool` (the XML does not name it). Volumes carry no ownership
// marker: the ledger says which are the stack's.
//
// `vol-list` has no --name in libvirt 9.0: the name is the first column of
// its table, so a volume whose name holds a space (never one of ours: the
// stack's names cannot) is not read.

#include "providers/kind_reader.h"

namespace virtplan::storage {

class VolumeReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "volume"; }
  std::unique_ptr<providers::KindReading> start() const override;
};

// The volume names in a `virsh -q vol-list --pool P` table.
std::vector<std::string> parse_volume_table(const std::string& output);

}  // namespace virtplan::storage
