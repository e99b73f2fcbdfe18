#pragma once

// PoolSpec is the typed form of a pool's canonical spec, what both the stack
// and libvirt's XML are read into. Its JSON form (to_json) is:
//
//   {"type": "netfs", "path": "/var/lib/virtplan/nfs", "autostart": true,
//    "source": {"host": "nas", "port": 2049, "dir": "/export", "format": "auto",
//               "device": ["/dev/sdb"], "name": "vg0", "iqn": "iqn...",
//               "initiator": "iqn...",
//               "adapter": {"type": "scsi_host", "name": "host0"}}}
//
// "source" is always there, holding only the keys the type uses; "active" is
// whether the pool runs (the stack's `active:`, default true); parse()
// fills in the defaults libvirt would (format, target path, a logical pool's
// volume group named after the pool). "autostart" is not part of libvirt's
// XML: parse_xml leaves it out and the observer fills it in from
// `virsh pool-list --all --autostart --name`.

#include "providers/base/error.h"
#include "storage/pool_source.h"
#include "storage/pool_type.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace virtplan::storage {

struct PoolSpec {
  PoolType type = PoolType::dir;
  std::optional<std::string> path;  // the target path; none for iscsi-direct
  PoolSource source;
  std::optional<bool> autostart;  // unset when read from XML
  // Whether the pool runs (`active:`, true unless the stack says): unset when
  // read from XML; the observer fills it in from `virsh pool-list --name`.
  std::optional<bool> active;

  nlohmann::json to_json() const;
  static providers::Result<PoolSpec> from_json(const nlohmann::json& value);
};

}  // namespace virtplan::storage
