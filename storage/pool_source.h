#pragma once

// PoolSource is libvirt's <source> of a pool: where its storage comes from.
// Which fields a type uses is in pool_type.h (pool_source_keys).

#include "storage/pool_adapter.h"

#include <optional>
#include <string>
#include <vector>

namespace virtplan::storage {

struct PoolSource {
  std::vector<std::string> devices;  // fs, disk: one; logical: the PVs
  std::optional<std::string> host;   // netfs, iscsi, iscsi-direct
  std::optional<int> port;
  std::optional<std::string> dir;        // netfs: the export
  std::optional<std::string> name;       // logical: the volume group
  std::optional<std::string> format;     // fs, netfs, logical, disk
  std::optional<PoolAdapter> adapter;    // scsi
  std::optional<std::string> iqn;        // iscsi, iscsi-direct: the target (libvirt's <device path>)
  std::optional<std::string> initiator;  // iscsi, iscsi-direct: the initiator's IQN
};

}  // namespace virtplan::storage
