#pragma once

// The domain's field rules (architecture decision 6; the libvirt facts behind
// each line are in libvirt-facts.md): the plan reads each change's impact
// from them, DomainChangeSet reads the live way apply takes. The planner
// diffs leaf by leaf, so a path is a leaf ("/vcpus/current",
// "/disks/vda/cache") or a whole keyed item added or removed ("/disks/sdb",
// before or after null).
//
//   none     restart, wait, shutdown_timeout (policies of virtplan's:
//            nothing on the host changes but the owner metadata, which apply
//            writes to the running domain and its config)
//   live     autostart, state, title, description, vcpus/current,
//            memory/current; adding or removing a virtio or scsi disk, a NIC
//            or a host device (hot-plug: a free PCIe root port is needed, see
//            hotplug_slots); a CD-ROM's media ("/disks/T/media..."); a NIC's
//            source network or bridge, and its link state; a console
//            password ("/graphics/password", update-device); a NIC's
//            bandwidth ("/interfaces/K/bandwidth...", domiftune); a disk's
//            I/O limits ("/disks/T/iotune/...", blkdeviotune)
//   restart  everything else (config when the domain does not run across
//            the apply: domain_running): vcpus/max, memory/max, cpu, numa, hugepages,
//            machine, arch, firmware, boot, virt_type, security,
//            hotplug_slots, xml patches, the other device keys (graphics
//            listen, port and type, video, serial, tablet, channels, tpm,
//            rng, watchdog, memballoon, usb_controller: DomainDevices), cloud_init (the seed is read at
//            boot), a NIC's model, macvtap device and mode, vlan, virtualport
//            and mtu (NicOptions), a disk's bus, cache, format or readonly,
//            adding or removing a sata or ide disk (QEMU's AHCI has no
//            hot-plug), a disk's volume or pool, and its io, discard,
//            detect_zeroes, serial and boot_order (DiskKeys)
//
// A CD-ROM's media sits under "/disks/T/media" (DomainSpec), so its change
// is told apart from a disk's volume by the path alone.

#include "providers/kind/field_rules.h"

#include <string_view>

namespace virtplan::kvm {

// The live ways of a domain's rules, as DomainChangeSet places them.
namespace domain_live {
inline constexpr std::string_view metadata = "metadata";  // the owner element (DomainOwner)
inline constexpr std::string_view autostart = "autostart";
inline constexpr std::string_view power = "power";  // start, shutdown, suspend, resume
inline constexpr std::string_view title = "desc --title";
inline constexpr std::string_view description = "desc";
inline constexpr std::string_view vcpus = "setvcpus";
inline constexpr std::string_view memory = "setmem";
inline constexpr std::string_view attach = "attach-device";
inline constexpr std::string_view detach = "detach-device";
inline constexpr std::string_view update = "update-device";
inline constexpr std::string_view iftune = "domiftune";  // a NIC's bandwidth
inline constexpr std::string_view iotune = "blkdeviotune";  // a disk's I/O limits
}  // namespace domain_live

const providers::FieldRules& domain_field_rules();

// Whether the domain runs across an apply from `observed` to `desired`
// (specs with "state"): up now (running or paused) and not stopped by the
// stack. A stopped domain, or one the apply stops or starts anyway, takes a
// restart-class change at its next start: its impact is `config`, and apply
// only redefines it (kvm/domain_actuator.h).
providers::Running domain_running(const nlohmann::json& observed, const nlohmann::json& desired);

}  // namespace virtplan::kvm
