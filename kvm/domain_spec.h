#pragma once

// DomainSpec is one domain (virtual machine) as the stack declares it and as
// libvirt's XML describes it: the typed form of the domain's canonical JSON
// spec (providers/kind/resource_kind.h). Enumerated fields hold their validated
// stack spelling ("virtio", "host-passthrough"); from_json() checks them again.
//
// Canonical JSON (every key below is always present unless marked optional):
//   machine        "q35" (default) | "pc" | ...; libvirt's versioned names
//                  ("pc-q35-7.2") read back as their alias ("q35")
//   arch           "x86_64" (default)
//   vcpus          {"current": N, "max": M}; `vcpus: 2` is {2, 2}
//   memory         {"current": BYTES, "max": BYTES}; a multiple of 1 KiB
//   cpu            optional {"mode"?, "model"?, "pin"?: {"VCPU": HOSTCPU},
//                  "topology"?, "features"? (kvm/domain_cpu_layout.h)}
//   numa           optional {"nodeset": "0", "mode": "strict"}
//   hugepages      false (default)
//   disks          {TARGET: {"bus", "cdrom": false, "readonly", "volume",
//                  "pool"?, "format"?, "cache"?, "shareable"?: true}} or, for a CD-ROM,
//                  {TARGET: {"bus", "cdrom": true, "readonly": true,
//                  "media"?: {"volume", "pool"?, "format"?}, "cache"?}} (no
//                  media: an empty drive); see DiskTargetAllocator for the
//                  targets of disks that give none; each disk optionally
//                  "io", "discard", "detect_zeroes", "iotune", "serial",
//                  "boot_order" (DiskKeys: absent = unmanaged)
//   interfaces     {KEY: {"network"|"bridge"|"direct": NAME, "model", "mac"?, "link"?,
//                  "mode"? (direct only, always there: bridge | vepa | private |
//                  passthrough), "vlan"?, "virtualport"?, "bandwidth"?, "mtu"?
//                  (NicOptions)}}; "direct" names the host device of a macvtap NIC;
//                  "link": "down" only for a NIC whose link is down (the
//                  default, up, is left out so it never shows as a change); KEY is
//                  the MAC, or "network:lan#1" ("bridge:br0#2") for the n-th
//                  NIC on that source ("direct:eth0#1") that gives no MAC until reconcile()
//                  gives it the MAC libvirt assigned
//   hostdevs       {"pci:0000:03:00.1": {"pci": "0000:03:00.1"},
//                   "usb:046d:c52b": {"usb": "046d:c52b"}}
//   boot           optional {"kernel"?, "initrd"?, "cmdline"?}
//   firmware       "bios" (default) | "uefi"
//   uefi           optional {"secure_boot"?, "nvram_template"?} (kvm/domain_uefi.h)
//   virt_type      "auto" (default) | "kvm" | "qemu"
//   cloud_init     optional {"user_data", "network_config"?, "meta_data"?},
//                  each a file path (string) or an inline map, kept as given
//   security       optional {"model": "selinux" | "apparmor" | "none"}
//   title, description  optional strings
//   autostart      false (default); absent in what parse_xml() reads
//   state          "running" (default) | "stopped" | "paused"; likewise
//   restart        "if-needed" (default) | "never"
//   shutdown_timeout  optional seconds (1..3600; 60 when absent, DomainTiming):
//                  how long a graceful shutdown may take before apply forces
//                  the domain off (restart, `state: stopped`); kept in the
//                  owner metadata like wait
//   hotplug_slots  0 (default): spare pcie-root-port controllers
//   wait           optional {"ip": true, "timeout": 120}: after starting the
//                  domain, apply waits up to timeout seconds for an IPv4
//                  address (kvm/domain_address_wait.h); kept in the owner
//                  metadata, a change is no change to the guest
//   xml            [{"set": XPATH, "value": TEXT} | {"remove": XPATH}], in order
//   graphics, video, serial, tablet, channels, tpm, rng, watchdog,
//                  memballoon, usb_controller: optional, see DomainDevices

#include "kvm/disk_keys.h"
#include "kvm/domain_cpu_layout.h"
#include "kvm/domain_devices.h"
#include "kvm/domain_nic_options.h"
#include "kvm/domain_uefi.h"
#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::kvm {

struct DomainSpec {
  // A count with a live part and a ceiling fixed at boot (vCPUs).
  struct Vcpus {
    int current = 1;
    int max = 1;
  };
  // Memory in bytes: the balloon target and the ceiling fixed at boot.
  struct Memory {
    std::uint64_t current = 0;
    std::uint64_t max = 0;
  };
  struct Cpu {
    std::optional<std::string> mode;   // host-passthrough | host-model | custom
    std::optional<std::string> model;  // with custom
    std::map<int, int> pin;            // vCPU -> host CPU
    std::optional<CpuTopology> topology;  // absent: not managed
    std::optional<CpuFeatures> features;  // absent: not managed
  };
  struct Numa {
    std::string nodeset;
    std::string mode = "strict";  // strict | preferred | interleave | restrictive
  };
  struct Disk {
    std::string bus = "virtio";  // virtio | scsi | sata | ide
    bool cdrom = false;
    bool readonly = false;  // always true for a CD-ROM
    // Written by several domains at once (a cluster file system): libvirt's
    // <shareable/>. Only such a disk may share its volume with another.
    bool shareable = false;
    std::optional<std::string> volume;  // absent: an empty CD-ROM drive
    std::optional<std::string> pool;
    std::optional<std::string> format;  // the volume's format (driver type)
    std::optional<std::string> cache;
    DiskKeys keys;  // io, discard, detect_zeroes, iotune, serial, boot_order

    nlohmann::json to_json() const;
  };
  struct Interface {
    std::optional<std::string> mac;  // lowercase
    std::optional<std::string> network;
    std::optional<std::string> bridge;
    // A macvtap NIC (<interface type='direct'>): the host device and its
    // macvtap mode (libvirt's default when the XML gives none: vepa).
    std::optional<std::string> direct;
    std::string mode = "vepa";
    std::string model = "virtio";
    bool link_up = true;  // <link state='down'/> when false
    NicOptions options;   // vlan, virtualport, bandwidth, mtu: each optional

    // "network", "bridge" or "direct".
    std::string type() const;
    // The source's name: the network, the bridge or the host device.
    const std::string& source() const;

    nlohmann::json to_json() const;
  };
  struct Hostdev {
    std::optional<std::string> pci;  // "0000:03:00.1"
    std::optional<std::string> usb;  // "046d:c52b" (vendor:product)
  };
  struct Boot {
    std::optional<std::string> kernel;
    std::optional<std::string> initrd;
    std::optional<std::string> cmdline;
  };
  struct Wait {
    bool ip = false;
    int timeout = 120;  // seconds
    bool operator==(const Wait&) const = default;
  };
  struct XmlPatch {
    enum class Op { set, remove };
    Op op = Op::set;
    std::string path;   // an XPath into the domain XML
    std::string value;  // for set
  };

  std::string machine = "q35";
  std::string arch = "x86_64";
  Vcpus vcpus;
  Memory memory;
  std::optional<Cpu> cpu;
  std::optional<Numa> numa;
  bool hugepages = false;
  std::map<std::string, Disk> disks;            // by target
  std::map<std::string, Interface> interfaces;  // by MAC or placeholder key
  std::map<std::string, Hostdev> hostdevs;      // by "pci:ADDR" / "usb:VID:PID"
  std::optional<Boot> boot;
  std::string firmware = "bios";
  std::optional<DomainUefi> uefi;  // secure boot, NVRAM template
  std::string virt_type = "auto";
  std::optional<nlohmann::json> cloud_init;
  std::optional<std::string> security;  // the seclabel model
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<bool> autostart;
  std::optional<std::string> state;
  std::optional<std::string> restart;
  int hotplug_slots = 0;
  std::optional<Wait> wait;
  std::optional<int> shutdown_timeout;  // seconds
  std::vector<XmlPatch> xml;
  DomainDevices devices;  // consoles and small devices, each key optional

  nlohmann::json to_json() const;
  // Checks types and enumerations; the message names the offending path.
  static providers::Result<DomainSpec> from_json(const nlohmann::json& spec);
};

// The key of a hostdev in `hostdevs`: "pci:0000:03:00.1", "usb:046d:c52b".
std::string hostdev_key(const DomainSpec::Hostdev& hostdev);

// The machine name a stack compares: libvirt expands "q35" to "pc-q35-7.2"
// and "pc" to "pc-i440fx-7.2" at define; both read back as the alias.
std::string machine_alias(const std::string& machine);

}  // namespace virtplan::kvm
