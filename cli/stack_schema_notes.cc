#include "cli/stack_schema_notes.h"

namespace virtplan::cli {
namespace {

// Sorted by place within each section, sections in the order of the README.
constexpr SchemaNote k_notes[] = {
    {"stack",
     "the stack's name: marks every object this stack owns (in a directory stack, files that give it "
     "must agree)",
     ""},
    {"hosts", "the hypervisors, by name: how to reach each one's libvirt", ""},
    {"profiles", "reusable domain settings; a domain names one with `profile:` and its own keys win whole",
     ""},
    {"pools", "storage pools, by name", ""},
    {"volumes", "storage volumes, by name (the libvirt volume name exactly)", ""},
    {"networks", "libvirt virtual networks, by name", ""},
    {"domains", "virtual machines, by name", ""},
    {"placement.host", "the host (declared in `hosts:`) this object lives on", ""},
    {"placement.hosts", "the hosts this object is placed on, one object per host: a list, or `all`", ""},
    {"placement.profile", "a profile (declared in `profiles:`) whose settings this domain takes as defaults",
     ""},

    {"hosts.address", "how to reach the host: `local`, or ssh://[USER@]HOST[:PORT]", ""},
    {"hosts.libvirt", "the libvirt URI on the host", "\"qemu:///system\""},
    {"hosts.identity", "the SSH private key (~ is the home directory); default: ssh-agent, then ~/.ssh/id_*",
     ""},
    {"hosts.known_hosts", "the known_hosts file the host key is checked against", "\"~/.ssh/known_hosts\""},
    {"hosts.host_key", "strict: the host key must be known; accept-new: a new host's key is learnt",
     "\"strict\""},
    {"hosts.become", "sudo: run virsh via `sudo -n` for a non-root SSH user", "\"none\""},
    {"hosts.connect_timeout", "how long connecting may take, in seconds (`10`, `10s`, `1m`)", ""},
    {"hosts.keepalive", "how often an idle SSH session says it is alive, in seconds (0: never)", ""},
    {"hosts.ssh_config",
     "the OpenSSH client config read for this host (ProxyJump, User, Port...); default: "
     "$VIRTPLAN_SSH_CONFIG, else ~/.ssh/config and /etc/ssh/ssh_config",
     ""},
    {"hosts.image_cache", "where images by URL are cached on the host (an absolute path)", ""},

    {"pools.type", "the libvirt pool type", "\"dir\""},
    {"pools.path", "the pool's target path on the host (a dir pool's directory)", ""},
    {"pools.source",
     "the pool's source, per type: device, host, dir, name, format, iqn ... (libvirt's <source>)", ""},
    {"pools.autostart", "whether libvirt starts the pool when the host boots", "true"},
    {"pools.active", "whether the pool is started", "true"},

    {"volumes.pool", "the pool the volume lives in", ""},
    {"volumes.format", "the volume's format", ""},
    {"volumes.capacity", "the volume's size; growing is live, shrinking is refused unless allow_shrink", ""},
    {"volumes.source",
     "a local file uploaded once (re-uploaded only when its content changes), or an image URL "
     "fetched on the host",
     ""},
    {"volumes.backing", "a linked clone: the qcow2 overlay's backing volume in the same pool", ""},
    {"volumes.protect", "plan refuses to destroy or replace this volume", "false"},
    {"volumes.allow_shrink", "allow a capacity below the current one (loses data)", "false"},

    {"networks.mode", "nat, route, open, isolated, or bridge (attach to an existing host bridge)", ""},
    {"networks.bridge", "the Linux bridge's name", ""},
    {"networks.forward_dev", "the host device traffic is forwarded through", ""},
    {"networks.mtu", "the bridge's MTU", ""},
    {"networks.domain", "the DNS domain of the network", ""},
    {"networks.ipv4", "the network's IPv4 address (the host's, with its prefix) and DHCP", ""},
    {"networks.dns", "DNS host entries served by the network's dnsmasq", ""},
    {"networks.autostart", "whether libvirt starts the network when the host boots", "true"},

    {"domains.state", "the domain's power state", "\"running\""},
    {"domains.vcpus", "virtual CPUs: a number, or {current, max} (max allows live growth)", ""},
    {"domains.memory", "memory: a size, or {current, max} (max allows live growth by balloon)", ""},
    {"domains.cpu", "CPU model (mode, model), pinning (vCPU -> host CPU), topology and features", ""},
    {"domains.numa", "NUMA memory placement: nodeset and mode", ""},
    {"domains.hugepages", "back the memory with huge pages", "false"},
    {"domains.disks", "disks: volumes by name (their pool by default the volume's), cdroms", ""},
    {"domains.interfaces", "NICs: on a network of the stack, on a host bridge, or macvtap (type: direct)",
     ""},
    {"domains.hostdevs", "PCI and USB passthrough devices", ""},
    {"domains.boot", "direct kernel boot: kernel, initrd, cmdline (paths on the host)", ""},
    {"domains.firmware", "the firmware", "\"bios\""},
    {"domains.virt_type", "auto: kvm when the host offers it, else qemu (TCG)", "\"auto\""},
    {"domains.cloud_init",
     "cloud-init data (a file or an inline map); virtplan builds and uploads the seed ISO", ""},
    {"domains.security", "the <seclabel> model", ""},
    {"domains.autostart", "whether libvirt starts the domain when the host boots", "false"},
    {"domains.restart", "never: changes that need a restart stay pending instead of restarting the domain",
     "\"if-needed\""},
    {"domains.hotplug_slots",
     "spare PCIe root ports reserved at creation, so disks and NICs can be added live", ""},
    {"domains.shutdown_timeout", "how long a graceful shutdown may take before the domain is forced off", ""},
    {"domains.xml", "escape hatch: XPath set/remove patches applied to the generated domain XML", ""},
    {"domains.machine", "the QEMU machine type (pc, q35)", ""},
    {"domains.arch", "the guest architecture", ""},
    {"domains.title", "the domain's libvirt title", ""},
    {"domains.description", "the domain's libvirt description", ""},
    {"domains.wait", "wait after start until the domain has an IP address: {ip: true, timeout: 120s}", ""},
    {"domains.uefi", "UEFI settings (secure boot, NVRAM template)", ""},
    {"domains.graphics", "a graphical console (vnc or spice); false: none", "false"},
    {"domains.video", "the video device; none when there is no graphical console", ""},
    {"domains.serial", "the serial console", ""},
    {"domains.tablet", "a USB tablet (absolute pointer for a graphical console)", "false"},
    {"domains.channels", "guest channels, such as qemu-guest-agent", ""},
    {"domains.tpm", "an emulated TPM (swtpm)", "false"},
    {"domains.rng", "a virtio random number generator", "false"},
    {"domains.watchdog", "a watchdog device and its action", "false"},
    {"domains.memballoon", "the memory balloon device", ""},
    {"domains.usb_controller", "the USB controller model", ""},
    {"domains.disks[].volume", "the volume the disk is", ""},
    {"domains.disks[].pool", "the volume's pool; required for a volume the stack does not declare", ""},
    {"domains.disks[].target", "the guest device name (vda, sdb, hdc); chosen in order when not given", ""},
    {"domains.disks[].bus", "the disk bus (virtio by default, sata for a cdrom)", ""},
    {"domains.disks[].cdrom", "a read-only CD-ROM drive, which may be empty", "false"},
    {"domains.interfaces[].network", "a network of the stack (or an existing one on the host)", ""},
    {"domains.interfaces[].bridge", "an existing host bridge", ""},
    {"domains.interfaces[].mac", "the NIC's MAC address (libvirt chooses one when not given)", ""},
    {"domains.interfaces[].model", "the NIC model", "\"virtio\""},
    {"domains.interfaces[].link", "the link state", "\"up\""},
};

}  // namespace

std::span<const SchemaNote> schema_notes() { return k_notes; }

const SchemaNote* schema_note(std::string_view place) {
  for (const SchemaNote& note : k_notes) {
    if (note.place == place) return &note;
  }
  return nullptr;
}

}  // namespace virtplan::cli
