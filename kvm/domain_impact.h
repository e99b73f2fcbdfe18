#pragma once

// DomainImpact decides how disruptive a change to one field of a domain's
// spec is (architecture decision 6; the libvirt facts behind each class are in
// libvirt-facts.md). The planner diffs leaf by leaf, so `path` is a JSON
// pointer to a leaf ("/vcpus/current", "/disks/vda/cache") or to a whole
// keyed item that is added or removed ("/disks/sdb", before or after null).
//
//   none     restart, wait, shutdown_timeout (policies of virtplan's:
//            nothing on the host changes but the owner metadata, which apply
//            writes to the running domain and its config)
//   live     autostart, state, title, description, vcpus/current,
//            memory/current; adding or removing a virtio or scsi disk, a NIC
//            or a host device (hot-plug: a free PCIe root port is needed, see
//            hotplug_slots); a CD-ROM's media ("/disks/T/media..."); a NIC's source
//            network or bridge, and its link state
//   restart  everything else: vcpus/max, memory/max, cpu, numa, hugepages,
//            machine, arch, firmware, boot, virt_type, security,
//            hotplug_slots, xml patches, cloud_init (the seed is read at
//            boot), a NIC's model, a disk's bus, cache, format or readonly,
//            adding or removing a sata or ide disk (QEMU's AHCI has no
//            hot-plug), a disk's volume or pool
//
// A CD-ROM's media sits under "/disks/T/media" (DomainSpec), so its change
// is told apart from a disk's volume by the path alone.

#include "providers/resource_kind.h"

#include <nlohmann/json.hpp>

#include <string_view>

namespace virtplan::kvm {

class DomainImpact {
public:
  static providers::Impact of(std::string_view path, const nlohmann::json& before, const nlohmann::json& after);
};

}  // namespace virtplan::kvm
