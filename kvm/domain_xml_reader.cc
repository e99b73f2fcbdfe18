#include "kvm/domain_xml_reader.h"

#include "kvm/domain_devices_xml.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_xml_patcher.h"
#include "providers/base/plain_text.h"

#include <fmt/format.h>

#include <cstdlib>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

std::uint64_t to_bytes(XmlNode element) {
  std::uint64_t value = std::strtoull(element.text().c_str(), nullptr, 10);
  std::string unit = element.attr("unit").value_or("KiB");
  if (unit == "b" || unit == "bytes") return value;
  if (unit == "KiB" || unit == "k") return value << 10;
  if (unit == "MiB" || unit == "M") return value << 20;
  if (unit == "GiB" || unit == "G") return value << 30;
  if (unit == "TiB" || unit == "T") return value << 40;
  if (unit == "KB") return value * 1000;
  if (unit == "MB") return value * 1000 * 1000;
  if (unit == "GB") return value * 1000 * 1000 * 1000;
  return value << 10;
}

long hex_attr(XmlNode element, const char* name) {
  return std::strtol(element.attr(name).value_or("0").c_str(), nullptr, 0);
}

std::optional<std::string> child_text(XmlNode parent, const char* name) {
  if (auto child = parent.child(name)) return child->text();
  return std::nullopt;
}

void read_memory(XmlNode domain, DomainSpec& spec) {
  if (auto memory = domain.child("memory")) spec.memory.max = to_bytes(*memory);
  spec.memory.current = spec.memory.max;
  if (auto current = domain.child("currentMemory")) spec.memory.current = to_bytes(*current);
  if (auto vcpu = domain.child("vcpu")) {
    spec.vcpus.max = std::atoi(vcpu->text().c_str());
    spec.vcpus.current = std::atoi(vcpu->attr("current").value_or(vcpu->text()).c_str());
  }
  if (auto backing = domain.child("memoryBacking")) spec.hugepages = backing->child("hugepages").has_value();
}

void read_cpu(XmlNode domain, DomainSpec& spec) {
  DomainSpec::Cpu cpu;
  if (auto element = domain.child("cpu")) {
    std::string mode = element->attr("mode").value_or("custom");
    auto model = child_text(*element, "model");
    // A bare custom <cpu> (topology or NUMA cells only) chooses no CPU model.
    if (mode != "custom" || model) cpu.mode = mode;
    if (mode == "custom") cpu.model = model;
    cpu.topology = CpuLayoutXml::read_topology(*element);
    cpu.features = CpuLayoutXml::read_features(*element);
  }
  if (auto cputune = domain.child("cputune")) {
    for (XmlNode pin : cputune->children("vcpupin")) {
      std::string cpuset = pin.attr("cpuset").value_or("");
      char* end = nullptr;
      long host = std::strtol(cpuset.c_str(), &end, 10);
      if (!cpuset.empty() && *end == '\0')
        cpu.pin[std::atoi(pin.attr("vcpu").value_or("0").c_str())] = static_cast<int>(host);
    }
  }
  if (cpu.mode || !cpu.pin.empty() || cpu.topology || cpu.features) spec.cpu = cpu;
  if (auto numatune = domain.child("numatune")) {
    if (auto memory = numatune->child("memory")) {
      spec.numa =
          DomainSpec::Numa{memory->attr("nodeset").value_or(""), memory->attr("mode").value_or("strict")};
    }
  }
}

void read_os(XmlNode domain, DomainSpec& spec) {
  auto os = domain.child("os");
  if (!os) return;
  if (auto type = os->child("type")) {
    spec.arch = type->attr("arch").value_or(spec.arch);
    spec.machine = machine_alias(type->attr("machine").value_or(spec.machine));
  }
  auto loader = os->child("loader");
  bool efi = os->attr("firmware") == "efi" || (loader && loader->attr("type") == "pflash");
  spec.firmware = efi ? "uefi" : "bios";
  DomainSpec::Boot boot{child_text(*os, "kernel"), child_text(*os, "initrd"), child_text(*os, "cmdline")};
  if (boot.kernel || boot.initrd || boot.cmdline) spec.boot = boot;
}

// The pool volume a file or block disk's path is (DiskSources).
std::optional<DiskSources::Volume> volume_by_path(const std::string& type,
                                                  const std::optional<XmlNode>& source,
                                                  const DiskSources& sources) {
  if (!source || (type != "file" && type != "block")) return std::nullopt;
  auto path = source->attr(type == "file" ? "file" : "dev");
  if (!path) return std::nullopt;
  return sources.volume_at(*path);
}

}  // namespace

std::optional<DomainSpec::Disk> DomainXmlReader::read_disk(XmlNode element, const DiskSources& sources) {
  DomainSpec::Disk disk;
  std::string device = element.attr("device").value_or("disk");
  if (device != "disk" && device != "cdrom") return std::nullopt;
  disk.cdrom = device == "cdrom";
  auto source = element.child("source");
  std::string type = element.attr("type").value_or("file");
  if (type == "volume" && source) {
    disk.pool = source->attr("pool");
    disk.volume = source->attr("volume");
  } else if (auto volume = volume_by_path(type, source, sources)) {
    disk.pool = volume->pool;
    disk.volume = volume->name;
  } else if (!(disk.cdrom && type == "file" && !source)) {
    return std::nullopt;  // another path or a network disk: not one the spec can name
  }
  if (auto target = element.child("target")) disk.bus = target->attr("bus").value_or("");
  if (auto driver = element.child("driver")) {
    disk.format = driver->attr("type");
    disk.cache = driver->attr("cache");
  }
  disk.readonly = element.child("readonly").has_value();
  disk.shareable = element.child("shareable").has_value();
  disk.keys = DiskKeys::read_xml(element);
  return disk;
}

std::optional<DomainSpec::Interface> DomainXmlReader::read_interface(XmlNode element) {
  DomainSpec::Interface nic;
  std::string type = element.attr("type").value_or("");
  auto source = element.child("source");
  if ((type != "network" && type != "bridge" && type != "direct") || !source) return std::nullopt;
  if (type == "network") nic.network = source->attr("network");
  if (type == "bridge") nic.bridge = source->attr("bridge");
  if (type == "direct") {
    nic.direct = source->attr("dev");
    nic.mode = source->attr("mode").value_or("vepa");
    // A macvtap mode the spec cannot state: the NIC is left unmanaged.
    if (nic.mode != "bridge" && nic.mode != "vepa" && nic.mode != "private" && nic.mode != "passthrough")
      return std::nullopt;
  }
  if (!nic.network && !nic.bridge && !nic.direct) return std::nullopt;
  auto model = element.child("model");
  nic.model = model ? model->attr("type").value_or("") : "";
  nic.mac = DomainXmlReader::interface_key(element);
  auto link = element.child("link");
  nic.link_up = !link || link->attr("state") != "down";
  nic.options = NicOptions::read_xml(element);
  return nic;
}

namespace {

void read_devices(XmlNode domain, DomainSpec& spec, const DiskSources& sources) {
  auto devices = domain.child("devices");
  if (!devices) return;
  for (XmlNode element : devices->children("disk")) {
    auto key = DomainXmlReader::disk_key(element);
    auto disk = DomainXmlReader::read_disk(element, sources);
    if (key && disk) spec.disks[*key] = *disk;
  }
  for (XmlNode element : devices->children("interface")) {
    auto nic = DomainXmlReader::read_interface(element);
    if (nic && nic->mac) spec.interfaces[*nic->mac] = *nic;
  }
  for (XmlNode element : devices->children("hostdev")) {
    auto key = DomainXmlReader::hostdev_key(element);
    if (!key) continue;
    DomainSpec::Hostdev dev;
    (key->starts_with("pci:") ? dev.pci : dev.usb) = key->substr(4);
    spec.hostdevs[*key] = dev;
  }
  spec.devices = DomainDevices::from_json(DomainDevicesXml::read(*devices)).value_or(DomainDevices{});
}

void read_security(XmlNode domain, DomainSpec& spec) {
  // libvirt lists one seclabel per security driver; ours is the first one
  // that is not a per-device relabel. The `dac` driver's label (the
  // user:group qemu runs as, which oVirt and others write) is not a
  // confinement model the stack chooses: it is left to the XML, unmanaged,
  // as the `security:` key leaves it.
  for (XmlNode seclabel : domain.children("seclabel")) {
    if (seclabel.attr("model") == "dac") continue;
    std::string type = seclabel.attr("type").value_or("dynamic");
    if (type == "none") {
      spec.security = "none";
    } else if (auto model = seclabel.attr("model")) {
      spec.security = *model;
    }
    return;
  }
}

void read_owner(const XmlDocument& document, DomainSpec& spec) {
  auto owner = DomainOwner::read(document.root());
  spec.restart = owner ? owner->restart : "if-needed";
  if (!owner) return;
  spec.hotplug_slots = owner->hotplug_slots;
  spec.wait = owner->wait;
  spec.shutdown_timeout = owner->shutdown_timeout;
  spec.cloud_init = owner->cloud_init;
  for (const auto& patch : owner->xml) {
    if (DomainXmlPatcher::holds(document, patch)) spec.xml.push_back(patch);
  }
}

}  // namespace

std::optional<std::string> DomainXmlReader::disk_key(XmlNode disk) {
  auto target = disk.child("target");
  if (!target) return std::nullopt;
  return target->attr("dev");
}

std::optional<std::string> DomainXmlReader::interface_key(XmlNode nic) {
  auto mac = nic.child("mac");
  if (!mac) return std::nullopt;
  auto address = mac->attr("address");
  if (!address) return std::nullopt;
  return providers::lowercase(*address);
}

std::optional<std::string> DomainXmlReader::hostdev_key(XmlNode hostdev) {
  if (hostdev.attr("mode").value_or("subsystem") != "subsystem") return std::nullopt;
  auto source = hostdev.child("source");
  if (!source) return std::nullopt;
  std::string type = hostdev.attr("type").value_or("");
  if (type == "pci") {
    auto a = source->child("address");
    if (!a) return std::nullopt;
    return fmt::format("pci:{:04x}:{:02x}:{:02x}.{:x}", hex_attr(*a, "domain"), hex_attr(*a, "bus"),
                       hex_attr(*a, "slot"), hex_attr(*a, "function"));
  }
  if (type == "usb") {
    auto vendor = source->child("vendor");
    auto product = source->child("product");
    if (!vendor || !product) return std::nullopt;
    return fmt::format("usb:{:04x}:{:04x}", hex_attr(*vendor, "id"), hex_attr(*product, "id"));
  }
  return std::nullopt;
}

Result<DomainSpec> DomainXmlReader::read(const std::string& xml, const DiskSources& sources) {
  auto document = XmlDocument::parse(xml, "domain xml");
  if (!document) return providers::fail(document.error());
  return read(*document, sources);
}

Result<DomainSpec> DomainXmlReader::read(const XmlDocument& document, const DiskSources& sources) {
  XmlNode domain = document.root();
  if (domain.name() != "domain") {
    return providers::fail(ErrorCode::invalid,
                           fmt::format("expected a <domain> document, got <{}>", domain.name()));
  }
  DomainSpec spec;
  spec.virt_type = domain.attr("type").value_or("qemu");
  spec.title = child_text(domain, "title");
  spec.description = child_text(domain, "description");
  read_memory(domain, spec);
  read_cpu(domain, spec);
  read_os(domain, spec);
  spec.uefi = DomainUefi::read_xml(domain);
  read_devices(domain, spec, sources);
  read_security(domain, spec);
  read_owner(document, spec);
  return spec;
}

}  // namespace virtplan::kvm
