#include "kvm/domain_spec.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

namespace virtplan::kvm {

using nlohmann::json;
using providers::Result;

namespace {

void put_optional(json& out, const char* key, const std::optional<std::string>& value) {
  if (value) out[key] = *value;
}

json disk_json(const DomainSpec::Disk& disk) {
  json out = {{"bus", disk.bus}, {"cdrom", disk.cdrom}, {"readonly", disk.readonly}};
  if (disk.shareable) out["shareable"] = true;  // absent when false: specs from before it stay equal
  // A CD-ROM's volume is its media, which changes live; a disk's volume does
  // not. Separate keys let the impact of a leaf change be decided by its path.
  json& source = disk.cdrom ? out["media"] : out;
  if (disk.cdrom && !disk.volume) out.erase("media");
  if (disk.volume) {
    put_optional(source, "volume", disk.volume);
    put_optional(source, "pool", disk.pool);
    put_optional(source, "format", disk.format);
  }
  put_optional(out, "cache", disk.cache);
  disk.keys.put(out);
  return out;
}

json interface_json(const DomainSpec::Interface& nic) {
  json out = {{"model", nic.model}};
  put_optional(out, "mac", nic.mac);
  put_optional(out, "network", nic.network);
  put_optional(out, "bridge", nic.bridge);
  if (nic.direct) {
    out["direct"] = *nic.direct;
    out["mode"] = nic.mode;
  }
  if (!nic.link_up) out["link"] = "down";
  nic.options.put(out);
  return out;
}

json cpu_json(const DomainSpec::Cpu& cpu) {
  json out = json::object();
  put_optional(out, "mode", cpu.mode);
  put_optional(out, "model", cpu.model);
  if (!cpu.pin.empty()) {
    json pin = json::object();
    for (const auto& [vcpu, host] : cpu.pin) pin[std::to_string(vcpu)] = host;
    out["pin"] = pin;
  }
  if (cpu.topology) out["topology"] = cpu.topology->to_json();
  if (cpu.features) out["features"] = cpu.features->to_json();
  return out;
}

json boot_json(const DomainSpec::Boot& boot) {
  json out = json::object();
  put_optional(out, "kernel", boot.kernel);
  put_optional(out, "initrd", boot.initrd);
  put_optional(out, "cmdline", boot.cmdline);
  return out;
}

json patches_json(const std::vector<DomainSpec::XmlPatch>& patches) {
  json out = json::array();
  for (const auto& patch : patches) {
    if (patch.op == DomainSpec::XmlPatch::Op::set) {
      out.push_back({{"set", patch.path}, {"value", patch.value}});
    } else {
      out.push_back({{"remove", patch.path}});
    }
  }
  return out;
}

// Reading JSON back: nlohmann reports type errors by exception, which stop at
// this boundary and become an Error naming the path.
struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string need_enum(const json& value, const std::string& path, const std::set<std::string>& allowed) {
  if (!value.is_string()) throw JsonError{fmt::format("{}: expected a string", path)};
  std::string text = value.get<std::string>();
  if (!allowed.empty() && !allowed.contains(text)) {
    throw JsonError{fmt::format("{}: unexpected value '{}'", path, text)};
  }
  return text;
}

std::string need_string(const json& value, const std::string& path) { return need_enum(value, path, {}); }

std::optional<std::string> optional_string(const json& object, const char* key, const std::string& path) {
  if (!object.contains(key)) return std::nullopt;
  return need_string(object.at(key), path + "/" + key);
}

DomainSpec::Disk disk_from(const json& in, const std::string& path) {
  DomainSpec::Disk disk;
  disk.bus = need_enum(in.at("bus"), path + "/bus", {"virtio", "scsi", "sata", "ide"});
  disk.cdrom = in.at("cdrom").get<bool>();
  disk.readonly = in.at("readonly").get<bool>();
  disk.shareable = in.value("shareable", false);
  const json& source = disk.cdrom && in.contains("media") ? in.at("media") : in;
  const std::string source_path = disk.cdrom ? path + "/media" : path;
  disk.volume = optional_string(source, "volume", source_path);
  disk.pool = optional_string(source, "pool", source_path);
  disk.format = optional_string(source, "format", source_path);
  disk.cache = optional_string(in, "cache", path);
  auto keys = DiskKeys::from_json(in, path);
  if (!keys) throw JsonError{keys.error().message()};
  disk.keys = std::move(*keys);
  return disk;
}

DomainSpec::Interface interface_from(const json& in, const std::string& path) {
  DomainSpec::Interface nic;
  nic.model = need_string(in.at("model"), path + "/model");
  nic.mac = optional_string(in, "mac", path);
  nic.network = optional_string(in, "network", path);
  nic.bridge = optional_string(in, "bridge", path);
  nic.direct = optional_string(in, "direct", path);
  if (nic.direct)
    nic.mode = need_enum(in.at("mode"), path + "/mode", {"bridge", "vepa", "private", "passthrough"});
  if (in.contains("link")) nic.link_up = need_enum(in.at("link"), path + "/link", {"up", "down"}) == "up";
  if (int(nic.network.has_value()) + int(nic.bridge.has_value()) + int(nic.direct.has_value()) != 1) {
    throw JsonError{fmt::format("{}: needs exactly one of network, bridge, direct", path)};
  }
  auto options = NicOptions::from_json(in);
  if (!options) throw JsonError{fmt::format("{}: {}", path, options.error())};
  nic.options = std::move(*options);
  return nic;
}

DomainSpec::Cpu cpu_from(const json& in) {
  DomainSpec::Cpu cpu;
  if (in.contains("mode")) {
    cpu.mode = need_enum(in.at("mode"), "/cpu/mode", {"host-passthrough", "host-model", "custom"});
  }
  cpu.model = optional_string(in, "model", "/cpu");
  if (in.contains("pin")) {
    for (const auto& item : in.at("pin").items()) {
      cpu.pin[std::stoi(item.key())] = item.value().get<int>();
    }
  }
  if (in.contains("topology")) {
    auto topology = CpuTopology::from_json(in.at("topology"));
    if (!topology) throw JsonError{"/cpu/topology: " + topology.error()};
    cpu.topology = *topology;
  }
  if (in.contains("features")) {
    auto features = CpuFeatures::from_json(in.at("features"));
    if (!features) throw JsonError{"/cpu/features: " + features.error()};
    cpu.features = *features;
  }
  return cpu;
}

std::vector<DomainSpec::XmlPatch> patches_from(const json& in) {
  std::vector<DomainSpec::XmlPatch> out;
  for (const json& item : in) {
    DomainSpec::XmlPatch patch;
    if (item.contains("remove")) {
      patch.op = DomainSpec::XmlPatch::Op::remove;
      patch.path = need_string(item.at("remove"), "/xml/remove");
    } else {
      patch.path = need_string(item.at("set"), "/xml/set");
      patch.value = need_string(item.at("value"), "/xml/value");
    }
    out.push_back(std::move(patch));
  }
  return out;
}

void read_collections(const json& in, DomainSpec& spec) {
  for (const auto& item : in.at("disks").items()) {
    spec.disks[item.key()] = disk_from(item.value(), "/disks/" + item.key());
  }
  for (const auto& item : in.at("interfaces").items()) {
    spec.interfaces[item.key()] = interface_from(item.value(), "/interfaces/" + item.key());
  }
  for (const auto& item : in.at("hostdevs").items()) {
    DomainSpec::Hostdev dev;
    dev.pci = optional_string(item.value(), "pci", "/hostdevs/" + item.key());
    dev.usb = optional_string(item.value(), "usb", "/hostdevs/" + item.key());
    spec.hostdevs[item.key()] = dev;
  }
}

void read_optionals(const json& in, DomainSpec& spec) {
  if (in.contains("cpu")) spec.cpu = cpu_from(in.at("cpu"));
  if (in.contains("numa")) {
    spec.numa = DomainSpec::Numa{need_string(in.at("numa").at("nodeset"), "/numa/nodeset"),
                                 need_string(in.at("numa").at("mode"), "/numa/mode")};
  }
  if (in.contains("boot")) {
    const json& boot = in.at("boot");
    spec.boot =
        DomainSpec::Boot{optional_string(boot, "kernel", "/boot"), optional_string(boot, "initrd", "/boot"),
                         optional_string(boot, "cmdline", "/boot")};
  }
  if (in.contains("cloud_init")) spec.cloud_init = in.at("cloud_init");
  if (in.contains("uefi")) {
    auto uefi = DomainUefi::from_json(in.at("uefi"));
    if (!uefi) throw JsonError{"/uefi: " + uefi.error()};
    spec.uefi = *uefi;
  }
  if (in.contains("security")) {
    spec.security =
        need_enum(in.at("security").at("model"), "/security/model", {"selinux", "apparmor", "none"});
  }
  spec.title = optional_string(in, "title", "");
  spec.description = optional_string(in, "description", "");
  if (in.contains("autostart")) spec.autostart = in.at("autostart").get<bool>();
  if (in.contains("state")) {
    spec.state = need_enum(in.at("state"), "/state", {"running", "stopped", "paused"});
  }
  if (in.contains("restart")) spec.restart = need_enum(in.at("restart"), "/restart", {"if-needed", "never"});
  if (in.contains("wait"))
    spec.wait = DomainSpec::Wait{in.at("wait").at("ip").get<bool>(), in.at("wait").at("timeout").get<int>()};
  if (in.contains("shutdown_timeout")) spec.shutdown_timeout = in.at("shutdown_timeout").get<int>();
}

DomainSpec spec_from(const json& in) {
  DomainSpec spec;
  spec.machine = need_string(in.at("machine"), "/machine");
  spec.arch = need_string(in.at("arch"), "/arch");
  spec.vcpus = {in.at("vcpus").at("current").get<int>(), in.at("vcpus").at("max").get<int>()};
  spec.memory = {in.at("memory").at("current").get<std::uint64_t>(),
                 in.at("memory").at("max").get<std::uint64_t>()};
  spec.hugepages = in.at("hugepages").get<bool>();
  spec.firmware = need_enum(in.at("firmware"), "/firmware", {"bios", "uefi"});
  spec.virt_type = need_enum(in.at("virt_type"), "/virt_type", {"auto", "kvm", "qemu"});
  spec.hotplug_slots = in.at("hotplug_slots").get<int>();
  spec.xml = patches_from(in.at("xml"));
  read_collections(in, spec);
  read_optionals(in, spec);
  auto devices = DomainDevices::from_json(in);
  if (!devices) throw JsonError{devices.error().message()};
  spec.devices = std::move(*devices);
  return spec;
}

}  // namespace

json DomainSpec::Disk::to_json() const { return disk_json(*this); }

json DomainSpec::Interface::to_json() const { return interface_json(*this); }

std::string DomainSpec::Interface::type() const {
  if (network) return "network";
  return direct ? "direct" : "bridge";
}

const std::string& DomainSpec::Interface::source() const {
  static const std::string k_none;
  if (network) return *network;
  if (direct) return *direct;
  return bridge ? *bridge : k_none;
}

json DomainSpec::to_json() const {
  json out = {
      {"machine", machine},
      {"arch", arch},
      {"vcpus", {{"current", vcpus.current}, {"max", vcpus.max}}},
      {"memory", {{"current", memory.current}, {"max", memory.max}}},
      {"hugepages", hugepages},
      {"firmware", firmware},
      {"virt_type", virt_type},
      {"hotplug_slots", hotplug_slots},
      {"xml", patches_json(xml)},
      {"disks", json::object()},
      {"interfaces", json::object()},
      {"hostdevs", json::object()},
  };
  for (const auto& [target, disk] : disks) out["disks"][target] = disk_json(disk);
  for (const auto& [key, nic] : interfaces) out["interfaces"][key] = interface_json(nic);
  for (const auto& [key, dev] : hostdevs) {
    out["hostdevs"][key] = dev.pci ? json{{"pci", *dev.pci}} : json{{"usb", dev.usb.value_or("")}};
  }
  if (cpu) out["cpu"] = cpu_json(*cpu);
  if (numa) out["numa"] = {{"nodeset", numa->nodeset}, {"mode", numa->mode}};
  if (boot) out["boot"] = boot_json(*boot);
  if (uefi) out["uefi"] = uefi->to_json();
  if (cloud_init) out["cloud_init"] = *cloud_init;
  if (security) out["security"] = {{"model", *security}};
  put_optional(out, "title", title);
  put_optional(out, "description", description);
  if (autostart) out["autostart"] = *autostart;
  put_optional(out, "state", state);
  put_optional(out, "restart", restart);
  if (wait) out["wait"] = {{"ip", wait->ip}, {"timeout", wait->timeout}};
  if (shutdown_timeout) out["shutdown_timeout"] = *shutdown_timeout;
  devices.put(out);
  return out;
}

Result<DomainSpec> DomainSpec::from_json(const json& spec) {
  return providers::read_or_invalid("domain spec", [&] { return spec_from(spec); });
}

std::string hostdev_key(const DomainSpec::Hostdev& hostdev) {
  if (hostdev.pci) return "pci:" + *hostdev.pci;
  return "usb:" + hostdev.usb.value_or("");
}

std::string machine_alias(const std::string& machine) {
  if (machine.starts_with("pc-q35-")) return "q35";
  if (machine.starts_with("pc-i440fx-")) return "pc";
  return machine;
}

}  // namespace virtplan::kvm
