#include "kvm/domain_yaml_reader.h"

#include "providers/base/mac_address.h"
#include "providers/base/plain_text.h"

#include <fmt/format.h>

#include <regex>
#include <utility>

namespace virtplan::kvm {

using nlohmann::json;
using providers::YamlMap;
using providers::YamlValue;

namespace {

const std::regex k_pci(R"(^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$)");
const std::regex k_usb(R"(^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$)");
const std::regex k_target(R"(^(vd|sd|hd)[a-z]{1,2}$)");

// A plain scalar as YAML 1.2's core schema types it.
json plain_scalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  static const std::regex k_int(R"(^[-+]?[0-9]+$)");
  if (std::regex_match(text, k_int) && text.size() < 18) return std::stoll(text);
  return text;
}

// A scalar that may be written as a number (`nodeset: 0`) read as a string.
std::optional<std::string> scalar_text(const YamlValue& value, providers::Diagnostics& diags) {
  return value.as_string(diags);
}

// The current and the maximum of `value` (vcpus, memory): a map of both,
// or one value for both, each read by `read` (as_int, as_size). Either is
// nullopt when it is wrong (reported) or the map lacks one: "WHAT needs
// both current and max (or give ONE)".
template <class Read>
auto read_current_max(const YamlValue& value, providers::Diagnostics& diags, std::string_view what,
                      std::string_view one, Read read) {
  std::pair<decltype(read(value)), decltype(read(value))> out;
  if (!value.is_map()) {
    out.first = out.second = read(value);
    return out;
  }
  YamlMap map = *value.as_map(diags);
  auto current = map.get("current");
  auto max = map.get("max");
  if (!current || !max) {
    value.error(diags, fmt::format("{} needs both current and max (or give {})", what, one));
  } else {
    out = {read(*current), read(*max)};
  }
  map.report_unknown(diags);
  return out;
}

}  // namespace

json yaml_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsScalar()) {
    return node.Tag() == "!" ? json(node.Scalar()) : plain_scalar(node.Scalar());
  }
  if (node.IsSequence()) {
    json out = json::array();
    for (const auto& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  json out = json::object();
  for (const auto& entry : node) out[entry.first.as<std::string>()] = yaml_to_json(entry.second);
  return out;
}

void DomainYamlReader::remember(const std::string& path, const YamlValue& value) {
  m_object.locations[path] = value.where();
}

void DomainYamlReader::read(YamlMap& map) {
  read_scalars(map);
  if (auto v = map.get("vcpus")) read_vcpus(*v);
  if (auto v = map.get("memory")) {
    read_memory(*v);
  } else {
    map.error(m_diags, "memory is required (give `memory:` or a profile that has it)");
  }
  if (auto v = map.get("cpu")) read_cpu(*v);
  if (auto v = map.get("numa")) read_numa(*v);
  if (auto v = map.get("disks")) read_disks(*v);
  if (auto v = map.get("interfaces")) read_interfaces(*v);
  if (auto v = map.get("hostdevs")) read_hostdevs(*v);
  if (auto v = map.get("boot")) read_boot(*v);
  if (auto v = map.get("security")) read_security(*v);
  if (auto v = map.get("xml")) read_xml(*v);
  if (auto v = map.get("uefi")) read_uefi(*v);
  if (auto v = map.get("cloud_init")) read_cloud_init(*v);
  if (auto v = map.get("wait")) read_wait(*v);
  m_spec.devices = DomainDevices::read_yaml(map, m_diags, m_object.locations);
  check_pins();
  m_object.spec = m_spec.to_json();
}

void DomainYamlReader::read_scalars(YamlMap& map) {
  m_spec.autostart = false;
  m_spec.state = "running";
  m_spec.restart = "if-needed";
  if (auto v = map.get("machine")) {
    if (auto s = v->as_string(m_diags)) m_spec.machine = machine_alias(*s);
  }
  if (auto v = map.get("arch")) {
    if (auto s = v->as_string(m_diags)) m_spec.arch = *s;
  }
  if (auto v = map.get("hugepages")) m_spec.hugepages = v->as_bool(m_diags).value_or(false);
  if (auto v = map.get("firmware")) m_spec.firmware = v->as_enum(m_diags, {"bios", "uefi"}).value_or("bios");
  if (auto v = map.get("virt_type")) {
    m_spec.virt_type = v->as_enum(m_diags, {"auto", "kvm", "qemu"}).value_or("auto");
  }
  if (auto v = map.get("autostart")) m_spec.autostart = v->as_bool(m_diags).value_or(false);
  if (auto v = map.get("state")) {
    m_spec.state = v->as_enum(m_diags, {"running", "stopped", "paused"}).value_or("running");
  }
  if (auto v = map.get("restart")) {
    m_spec.restart = v->as_enum(m_diags, {"if-needed", "never"}).value_or("if-needed");
  }
  if (auto v = map.get("shutdown_timeout"))
    m_spec.shutdown_timeout = v->as_seconds(m_diags, "shutdown_timeout", 1, 3600);
  if (auto v = map.get("title")) m_spec.title = v->as_string(m_diags);
  if (auto v = map.get("description")) m_spec.description = v->as_string(m_diags);
  if (auto v = map.get("hotplug_slots")) {
    auto n = v->as_int(m_diags);
    if (n && (*n < 0 || *n > 32)) {
      v->error(m_diags, fmt::format("hotplug_slots must be between 0 and 32, got {}", *n));
    } else if (n) {
      m_spec.hotplug_slots = static_cast<int>(*n);
    }
  }
}

void DomainYamlReader::read_vcpus(const YamlValue& value) {
  remember("/vcpus", value);
  auto [current, max] = read_current_max(value, m_diags, "vcpus", "one number",
                                         [&](const YamlValue& v) { return v.as_int(m_diags); });
  if (!current || !max) return;
  if (*current < 1 || *max < 1 || *max > 4096) {
    value.error(m_diags, "vcpus must be between 1 and 4096");
  } else if (*current > *max) {
    value.error(m_diags, fmt::format("vcpus current {} is more than max {}", *current, *max));
  } else {
    m_spec.vcpus = {static_cast<int>(*current), static_cast<int>(*max)};
  }
}

void DomainYamlReader::read_memory(const YamlValue& value) {
  remember("/memory", value);
  auto [current, max] = read_current_max(value, m_diags, "memory", "one size",
                                         [&](const YamlValue& v) { return v.as_size(m_diags); });
  if (!current || !max) return;
  if (*current == 0 || *current % 1024 != 0 || *max % 1024 != 0) {
    value.error(m_diags, "memory must be a positive multiple of 1 KiB");
  } else if (*current > *max) {
    value.error(m_diags, fmt::format("memory current {} bytes is more than max {} bytes", *current, *max));
  } else {
    m_spec.memory = {*current, *max};
  }
}

void DomainYamlReader::read_cpu(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Cpu cpu;
  if (auto v = map->get("mode")) cpu.mode = v->as_enum(m_diags, {"host-passthrough", "host-model", "custom"});
  if (auto v = map->get("model")) cpu.model = v->as_string(m_diags);
  if (auto v = map->get("pin")) read_pin(*v, cpu);
  read_cpu_layout(*map, cpu);
  if (cpu.mode == "custom" && !cpu.model) value.error(m_diags, "cpu mode custom needs a model");
  if (cpu.model && cpu.mode != "custom") value.error(m_diags, "cpu model needs mode custom");
  map->report_unknown(m_diags);
  m_spec.cpu = cpu;
}

// `topology: {sockets, cores, threads}` (checked against vcpus by
// check_pins) and `features: {require: [...], disable: [...]}`.
void DomainYamlReader::read_cpu_layout(YamlMap& map, DomainSpec::Cpu& cpu) {
  if (auto v = map.get("topology")) {
    auto topology = CpuTopology::from_json(yaml_to_json(v->node()));
    if (topology) {
      cpu.topology = *topology;
      m_topology_where = *v;
    } else {
      v->error(m_diags, topology.error());
    }
  }
  if (auto v = map.get("features")) {
    auto features = CpuFeatures::from_json(yaml_to_json(v->node()));
    if (features)
      cpu.features = *features;
    else
      v->error(m_diags, features.error());
  }
}

void DomainYamlReader::read_pin(const YamlValue& value, DomainSpec::Cpu& cpu) {
  m_pin_where = value;
  auto map = value.as_map(m_diags);
  if (!map) return;
  for (auto& [key, host] : map->entries()) {
    providers::Diagnostics quiet;
    auto vcpu = key.as_int(quiet);
    auto cpu_id = host.as_int(quiet);
    if (!vcpu || *vcpu < 0) {
      key.error(m_diags, fmt::format("bad pin: vCPU '{}' is not a vCPU number", key.node().Scalar()));
    } else if (!cpu_id || *cpu_id < 0) {
      host.error(m_diags, "bad pin: expected a host CPU number");
    } else {
      cpu.pin[static_cast<int>(*vcpu)] = static_cast<int>(*cpu_id);
    }
  }
}

void DomainYamlReader::check_pins() {
  if (m_spec.cpu && m_spec.cpu->topology && m_topology_where &&
      m_spec.cpu->topology->count() != m_spec.vcpus.max) {
    m_topology_where->error(m_diags,
                            fmt::format("cpu topology gives {} vCPUs (sockets x dies x cores x threads), "
                                        "vcpus max is {}: libvirt needs them equal",
                                        m_spec.cpu->topology->count(), m_spec.vcpus.max));
  }
  if (!m_spec.cpu || !m_pin_where) return;
  for (const auto& [vcpu, host] : m_spec.cpu->pin) {
    if (vcpu >= m_spec.vcpus.max) {
      m_pin_where->error(
          m_diags, fmt::format("bad pin: vCPU {} does not exist (vcpus max is {})", vcpu, m_spec.vcpus.max));
    }
  }
}

void DomainYamlReader::read_numa(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Numa numa;
  if (auto v = map->get("nodeset")) {
    numa.nodeset = scalar_text(*v, m_diags).value_or("");
  } else {
    value.error(m_diags, "numa needs a nodeset");
  }
  if (auto v = map->get("mode")) {
    numa.mode = v->as_enum(m_diags, {"strict", "preferred", "interleave", "restrictive"}).value_or("strict");
  }
  map->report_unknown(m_diags);
  m_spec.numa = numa;
}

void DomainYamlReader::read_disks(const YamlValue& value) {
  auto items = value.as_sequence(m_diags);
  if (!items) return;
  // Explicit targets are reserved before any missing one is chosen, so an
  // allocated target never collides with one listed further down.
  for (const YamlValue& item : *items) {
    if (item.is_map() && item.node()["target"] && item.node()["target"].IsScalar()) {
      m_targets.reserve(item.node()["target"].Scalar());
    }
  }
  DiskTargetAllocator allocated;
  for (const YamlValue& item : *items) read_disk(item, allocated);
}

void DomainYamlReader::read_disk(const YamlValue& value, DiskTargetAllocator& seen) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Disk disk;
  if (auto v = map->get("cdrom")) disk.cdrom = v->as_bool(m_diags).value_or(false);
  disk.bus = disk.cdrom ? "sata" : "virtio";
  if (auto v = map->get("bus"))
    disk.bus = v->as_enum(m_diags, {"virtio", "scsi", "sata", "ide"}).value_or(disk.bus);
  if (auto v = map->get("volume")) disk.volume = v->as_name(m_diags);
  if (auto v = map->get("pool")) disk.pool = v->as_name(m_diags);
  if (auto v = map->get("format"))
    disk.format = v->as_enum(m_diags, {"raw", "qcow2", "vmdk", "vdi", "vpc", "qed"});
  if (auto v = map->get("cache")) {
    disk.cache =
        v->as_enum(m_diags, {"default", "none", "writethrough", "writeback", "directsync", "unsafe"});
  }
  disk.readonly = disk.cdrom;
  if (auto v = map->get("readonly")) {
    auto readonly = v->as_bool(m_diags);
    if (disk.cdrom && readonly == false) v->error(m_diags, "a cdrom is always read-only");
    if (!disk.cdrom && readonly) disk.readonly = *readonly;
  }
  if (auto v = map->get("shareable")) disk.shareable = v->as_bool(m_diags).value_or(false);
  disk.keys = DiskKeys::read_yaml(*map, m_diags);
  // libvirt refuses io='native' with any cache but none or directsync.
  if (auto v = map->get("io"); v && disk.keys.declared.value("io", "") == "native" && disk.cache != "none" &&
                               disk.cache != "directsync")
    v->error(m_diags, "io: native needs cache: none or directsync (libvirt refuses it with another cache)");
  if (!disk.cdrom && !disk.volume) map->error(m_diags, "a disk needs a volume (only a cdrom may be empty)");
  if (disk.bus == "ide" && m_spec.machine == "q35") {
    map->error(m_diags, "bus ide needs machine pc (q35 has no IDE controller); use sata");
  }
  std::optional<std::string> target;
  if (auto v = map->get("target")) {
    target = v->as_string(m_diags);
    if (target && !std::regex_match(*target, k_target)) {
      v->error(m_diags, fmt::format("invalid disk target '{}': expected vdX, sdX or hdX", *target));
      target.reset();
    } else if (target && seen.taken(*target)) {
      v->error(m_diags, fmt::format("disk target '{}' is used twice", *target));
      target.reset();
    }
    if (!target) {
      map->report_unknown(m_diags);
      return;
    }
  } else {
    target = m_targets.next(disk.bus);
    if (!target) {
      map->error(m_diags, "no free disk target left for this disk");
      return;
    }
  }
  seen.reserve(*target);
  remember("/disks/" + *target, value);
  map->report_unknown(m_diags);
  m_spec.disks[*target] = disk;
}

void DomainYamlReader::read_interfaces(const YamlValue& value) {
  auto items = value.as_sequence(m_diags);
  if (!items) return;
  std::map<std::string, int> unkeyed;
  for (const YamlValue& item : *items) read_interface(item, unkeyed);
}

void DomainYamlReader::read_interface(const YamlValue& value, std::map<std::string, int>& unkeyed) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Interface nic;
  if (auto v = map->get("network")) nic.network = v->as_name(m_diags);
  if (auto v = map->get("bridge")) nic.bridge = v->as_string(m_diags);
  if (auto v = map->get("model")) {
    nic.model = v->as_enum(m_diags, {"virtio", "e1000e", "e1000", "rtl8139", "vmxnet3"}).value_or("virtio");
  }
  if (auto v = map->get("link")) nic.link_up = v->as_enum(m_diags, {"up", "down"}).value_or("up") == "up";
  if (!read_direct(*map, nic)) return;
  nic.options = NicOptions::read_yaml(*map, m_diags);
  std::optional<YamlValue> mac_value = map->get("mac");
  if (mac_value) {
    if (auto text = mac_value->as_string(m_diags)) {
      auto mac = providers::MacAddress::read_nic(*text);
      if (mac)
        nic.mac = mac->str();
      else
        mac_value->error(m_diags, mac.error());
    }
  }
  map->report_unknown(m_diags);
  if (int(nic.network.has_value()) + int(nic.bridge.has_value()) + int(nic.direct.has_value()) != 1) {
    map->error(m_diags, "an interface needs exactly one of network, bridge, or type: direct with source_dev");
    return;
  }
  if (auto bad = nic.options.check(nic.type(), nic.mode)) {
    map->error(m_diags, *bad);
    return;
  }
  if (mac_value && !nic.mac) return;
  std::string key;
  if (nic.mac) {
    key = *nic.mac;
    if (m_spec.interfaces.contains(key)) {
      mac_value->error(m_diags, fmt::format("MAC address {} is used twice in this domain", key));
      return;
    }
  } else {
    std::string source = nic.type() + ":" + nic.source();
    key = fmt::format("{}#{}", source, ++unkeyed[source]);
  }
  remember("/interfaces/" + key, mac_value ? *mac_value : value);
  m_spec.interfaces[key] = nic;
}

// `type: direct` (a macvtap NIC) with `source_dev:` (the host device) and
// `mode:` (libvirt's default, vepa, when not given); `type:` may also say
// network or bridge, which the source key then names. False when the NIC is
// reported and dropped.
bool DomainYamlReader::read_direct(YamlMap& map, DomainSpec::Interface& nic) {
  std::optional<std::string> type;
  auto type_value = map.get("type");
  if (type_value) type = type_value->as_enum(m_diags, {"network", "bridge", "direct"});
  auto dev = map.get("source_dev");
  auto mode = map.get("mode");
  if (type != "direct") {
    if (type && (*type == "network") != nic.network.has_value()) {
      type_value->error(m_diags, fmt::format("type {} needs `{}:`", *type, *type));
      return false;
    }
    for (const auto& extra : {dev, mode}) {
      if (extra) extra->error(m_diags, "source_dev and mode are for `type: direct` (macvtap) only");
    }
    return !dev && !mode;
  }
  if (!dev) {
    type_value->error(m_diags, "type direct needs source_dev (the host device the macvtap NIC sits on)");
    return false;
  }
  nic.direct = dev->as_string(m_diags);
  if (nic.direct && nic.direct->empty()) dev->error(m_diags, "source_dev: expected a host device name");
  if (mode) nic.mode = mode->as_enum(m_diags, {"bridge", "vepa", "private", "passthrough"}).value_or("vepa");
  return nic.direct && !nic.direct->empty();
}

void DomainYamlReader::read_hostdevs(const YamlValue& value) {
  auto items = value.as_sequence(m_diags);
  if (!items) return;
  for (const YamlValue& item : *items) {
    auto map = item.as_map(m_diags);
    if (!map) continue;
    DomainSpec::Hostdev dev;
    if (auto v = map->get("pci")) {
      dev.pci = v->as_string(m_diags);
      if (dev.pci && !std::regex_match(*dev.pci, k_pci)) {
        v->error(m_diags,
                 fmt::format("invalid PCI address '{}': expected DDDD:BB:SS.F like 0000:03:00.1", *dev.pci));
        continue;
      }
    }
    if (auto v = map->get("usb")) {
      dev.usb = v->as_string(m_diags);
      if (dev.usb && !std::regex_match(*dev.usb, k_usb)) {
        v->error(m_diags,
                 fmt::format("invalid USB device '{}': expected vendor:product like 046d:c52b", *dev.usb));
        continue;
      }
    }
    map->report_unknown(m_diags);
    if (dev.pci.has_value() == dev.usb.has_value()) {
      item.error(m_diags, "a hostdev needs exactly one of pci, usb");
      continue;
    }
    if (dev.pci) dev.pci = providers::lowercase(*dev.pci);
    if (dev.usb) dev.usb = providers::lowercase(*dev.usb);
    std::string key = hostdev_key(dev);
    if (m_spec.hostdevs.contains(key)) item.error(m_diags, fmt::format("hostdev {} is listed twice", key));
    remember("/hostdevs/" + key, item);
    m_spec.hostdevs[key] = dev;
  }
}

void DomainYamlReader::read_boot(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Boot boot;
  if (auto v = map->get("kernel")) boot.kernel = v->as_string(m_diags);
  if (auto v = map->get("initrd")) boot.initrd = v->as_string(m_diags);
  if (auto v = map->get("cmdline")) boot.cmdline = v->as_string(m_diags);
  if (!boot.kernel && (boot.initrd || boot.cmdline))
    value.error(m_diags, "boot initrd and cmdline need a kernel");
  map->report_unknown(m_diags);
  m_spec.boot = boot;
}

void DomainYamlReader::read_cloud_init(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  json data = json::object();
  for (const char* key : {"user_data", "network_config", "meta_data"}) {
    auto v = map->get(key);
    if (!v) continue;
    if (v->is_map()) {
      data[key] = yaml_to_json(v->node());
    } else if (auto text = v->as_string(m_diags)) {
      data[key] = *text;
    }
  }
  if (!data.contains("user_data")) value.error(m_diags, "cloud_init needs user_data");
  map->report_unknown(m_diags);
  m_spec.cloud_init = data;
  add_seed_disk();
}

// `wait: {ip: true, timeout: 120s}`; the timeout is a duration (as_seconds),
// 120 s when not given.
void DomainYamlReader::read_wait(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  DomainSpec::Wait wait;
  if (auto v = map->get("ip")) {
    wait.ip = v->as_bool(m_diags).value_or(false);
  } else {
    value.error(m_diags, "wait needs ip (wait: {ip: true})");
  }
  if (auto v = map->get("timeout")) {
    if (auto seconds = v->as_seconds(m_diags, "wait timeout", 1, 3600))
      wait.timeout = static_cast<int>(*seconds);
  }
  map->report_unknown(m_diags);
  m_spec.wait = wait;
}

void DomainYamlReader::add_seed_disk() {
  std::optional<std::string> target = m_targets.next("sata");
  if (!target) return;
  DomainSpec::Disk seed;
  seed.bus = "sata";
  seed.cdrom = true;
  seed.readonly = true;
  seed.volume = m_object.id.name + "-cidata";
  seed.format = "raw";
  m_spec.disks[*target] = seed;
  fill_seed_pool(m_spec, m_object.id.name);
}

void DomainYamlReader::read_uefi(const YamlValue& value) {
  auto uefi = DomainUefi::from_json(yaml_to_json(value.node()));
  if (!uefi) {
    value.error(m_diags, uefi.error());
    return;
  }
  if (auto bad = uefi->check(m_spec.firmware, m_spec.machine)) {
    value.error(m_diags, *bad);
    return;
  }
  remember("/uefi", value);
  m_spec.uefi = *uefi;
}

void DomainYamlReader::read_security(const YamlValue& value) {
  auto map = value.as_map(m_diags);
  if (!map) return;
  if (auto v = map->get("model")) {
    m_spec.security = v->as_enum(m_diags, {"selinux", "apparmor", "none"});
  } else {
    value.error(m_diags, "security needs a model");
  }
  map->report_unknown(m_diags);
}

void DomainYamlReader::read_xml(const YamlValue& value) {
  auto items = value.as_sequence(m_diags);
  if (!items) return;
  for (const YamlValue& item : *items) {
    auto map = item.as_map(m_diags);
    if (!map) continue;
    DomainSpec::XmlPatch patch;
    auto set = map->get("set");
    auto remove = map->get("remove");
    auto text = map->get("value");
    if (set.has_value() == remove.has_value()) {
      item.error(m_diags, "an xml patch needs exactly one of set, remove");
    } else if (set && !text) {
      item.error(m_diags, "an xml set needs a value");
    } else if (remove && text) {
      text->error(m_diags, "an xml remove takes no value");
    } else {
      patch.op = set ? DomainSpec::XmlPatch::Op::set : DomainSpec::XmlPatch::Op::remove;
      patch.path = (set ? *set : *remove).as_string(m_diags).value_or("");
      if (text) patch.value = text->as_string(m_diags).value_or("");
      m_spec.xml.push_back(patch);
    }
    map->report_unknown(m_diags);
  }
}

void fill_seed_pool(DomainSpec& spec, const std::string& domain_name) {
  const std::string seed_volume = domain_name + "-cidata";
  std::optional<std::string> pool;
  for (const auto& [target, disk] : spec.disks) {
    if (!disk.cdrom && disk.pool) {
      pool = disk.pool;
      break;
    }
    if (!disk.cdrom) break;
  }
  for (auto& [target, disk] : spec.disks) {
    if (disk.cdrom && disk.volume == seed_volume && !disk.pool) disk.pool = pool;
  }
}

}  // namespace virtplan::kvm
