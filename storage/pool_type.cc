#include "storage/pool_type.h"

#include "providers/kind/storage_facts.h"

namespace virtplan::storage {

std::string_view to_string(PoolType type) { return k_pool_type_names[static_cast<int>(type)]; }

std::optional<PoolType> pool_type_from_string(std::string_view text) {
  for (int i = 0; i < static_cast<int>(std::size(k_pool_type_names)); ++i) {
    if (k_pool_type_names[i] == text) return static_cast<PoolType>(i);
  }
  return std::nullopt;
}

std::vector<std::string_view> pool_source_keys(PoolType type) {
  switch (type) {
    case PoolType::dir:
    case PoolType::mpath:
      return {};
    case PoolType::fs:
      return {"device", "format"};
    case PoolType::netfs:
      return {"host", "port", "dir", "format"};
    case PoolType::logical:
      return {"name", "device", "format"};
    case PoolType::disk:
      return {"device", "format"};
    case PoolType::iscsi:
      return {"host", "port", "iqn", "initiator"};
    case PoolType::iscsi_direct:
      return {"host", "port", "iqn", "initiator"};
    case PoolType::scsi:
      return {"adapter"};
  }
  return {};
}

std::vector<std::string_view> pool_required_source_keys(PoolType type) {
  switch (type) {
    case PoolType::fs:
    case PoolType::disk:
      return {"device"};
    case PoolType::netfs:
      return {"host", "dir"};
    case PoolType::iscsi:
      return {"host", "iqn"};
    case PoolType::iscsi_direct:
      return {"host", "iqn", "initiator"};
    case PoolType::scsi:
      return {"adapter"};
    default:
      return {};
  }
}

std::optional<std::string_view> default_pool_path(PoolType type) {
  switch (type) {
    case PoolType::disk:
      return "/dev";
    case PoolType::iscsi:
    case PoolType::scsi:
      return "/dev/disk/by-path";
    case PoolType::mpath:
      return "/dev/mapper";
    default:
      return std::nullopt;
  }
}

std::vector<std::string_view> pool_shared_source_keys(PoolType type) {
  switch (type) {
    case PoolType::netfs:
      return {"host", "port", "dir", "format"};
    case PoolType::iscsi:
    case PoolType::iscsi_direct:
      return {"host", "port", "iqn"};  // not the initiator: each host has its own
    default:
      return {};
  }
}

bool pool_has_target(PoolType type) { return type != PoolType::iscsi_direct; }

bool pool_needs_path(PoolType type) { return providers::pool_of_files(to_string(type)); }

bool pool_owns_directory(const nlohmann::json& spec) {
  return providers::pool_of_files(spec.value("type", ""));
}

std::optional<std::string_view> default_pool_format(PoolType type) {
  switch (type) {
    case PoolType::fs:
    case PoolType::netfs:
      return "auto";
    case PoolType::logical:
      return "lvm2";
    case PoolType::disk:
      return "unknown";
    default:
      return std::nullopt;
  }
}

std::vector<std::string_view> pool_formats(PoolType type) {
  switch (type) {
    case PoolType::fs:
      return {"auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf",
              "gfs",  "gfs2", "vfat", "hfs+", "xfs", "ocfs2",   "vmfs"};
    case PoolType::netfs:
      return {"auto", "nfs", "cifs", "glusterfs"};
    case PoolType::logical:
      return {"unknown", "lvm2"};
    case PoolType::disk:
      return {"unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"};
    default:
      return {};
  }
}

}  // namespace virtplan::storage
