#include "kvm/domain_xml_updater.h"

#include "kvm/domain_device_xml.h"
#include "kvm/domain_devices_xml.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_xml_patcher.h"
#include "kvm/domain_xml_reader.h"
#include "kvm/domain_xml_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace virtplan::kvm {

using nlohmann::json;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

void set_text_child(XmlNode domain, const char* name, const std::optional<std::string>& value) {
  auto existing = domain.child(name);
  if (!value) {
    if (existing) existing->remove();
    return;
  }
  domain.ensure_child(name).set_text(*value);
}

json cpu_json(const std::optional<DomainSpec::Cpu>& cpu) {
  DomainSpec spec;
  spec.cpu = cpu;
  return spec.to_json().value("cpu", json());
}

void update_os(XmlNode domain, const DomainSpec& desired, const DomainSpec& observed) {
  XmlNode os = domain.ensure_child("os");
  XmlNode type = os.ensure_child("type");
  // Only a different machine family is written: rewriting "pc-q35-7.2" as
  // "q35" would move the guest to a newer machine version.
  if (machine_alias(type.attr("machine").value_or("")) != desired.machine)
    type.set_attr("machine", desired.machine);
  type.set_attr("arch", desired.arch);
  if (desired.firmware != observed.firmware) {
    if (desired.firmware == "uefi") {
      os.set_attr("firmware", "efi");
    } else {
      os.remove_attr("firmware");
      for (const char* name : {"loader", "nvram"}) {
        if (auto old = os.child(name)) old->remove();
      }
    }
  }
  for (const char* name : {"kernel", "initrd", "cmdline"}) {
    if (auto old = os.child(name)) old->remove();
  }
  // libvirt refuses <os><boot dev=...> beside a disk's <boot order=...>.
  if (DomainXmlWriter::disk_boot_order(desired)) {
    for (XmlNode boot : os.children("boot")) boot.remove();
  }
  if (desired.boot) {
    for (auto [name, value] :
         {std::pair{"kernel", desired.boot->kernel}, std::pair{"initrd", desired.boot->initrd},
          std::pair{"cmdline", desired.boot->cmdline}}) {
      if (value) os.add_child(name).set_text(*value);
    }
  }
}

void update_disks(XmlNode devices, const DomainSpec& desired, const DiskSources& sources) {
  std::set<std::string> present;
  for (XmlNode element : devices.children("disk")) {
    auto key = DomainXmlReader::disk_key(element);
    auto managed = DomainXmlReader::read_disk(element, sources);
    if (!key || !managed) continue;  // a disk the spec cannot name: kept
    present.insert(*key);
    auto wanted = desired.disks.find(*key);
    if (wanted == desired.disks.end()) {
      element.remove();
    } else if (managed->to_json() != wanted->second.to_json()) {
      DomainDeviceXml::update_disk(element, wanted->second, sources);
    }
  }
  for (const auto& [target, disk] : desired.disks) {
    if (!present.contains(target)) DomainDeviceXml::add_disk(devices, target, disk, sources);
  }
  bool scsi = std::any_of(desired.disks.begin(), desired.disks.end(),
                          [](const auto& item) { return item.second.bus == "scsi"; });
  if (scsi) DomainDeviceXml::ensure_scsi_controller(devices);
}

void update_interfaces(XmlNode devices, const DomainSpec& desired) {
  std::set<std::string> present;
  for (XmlNode element : devices.children("interface")) {
    auto managed = DomainXmlReader::read_interface(element);
    if (!managed || !managed->mac) continue;
    present.insert(*managed->mac);
    auto wanted = desired.interfaces.find(*managed->mac);
    if (wanted == desired.interfaces.end()) {
      element.remove();
    } else if (managed->to_json() != wanted->second.to_json()) {
      DomainDeviceXml::update_interface(element, wanted->second);
    }
  }
  for (const auto& [key, nic] : desired.interfaces) {
    if (!present.contains(key)) DomainDeviceXml::add_interface(devices, nic);
  }
}

void update_hostdevs(XmlNode devices, const DomainSpec& desired) {
  std::set<std::string> present;
  for (XmlNode element : devices.children("hostdev")) {
    auto key = DomainXmlReader::hostdev_key(element);
    if (!key) continue;
    present.insert(*key);
    if (!desired.hostdevs.contains(*key)) element.remove();
  }
  for (const auto& [key, dev] : desired.hostdevs) {
    if (!present.contains(key)) DomainDeviceXml::add_hostdev(devices, dev);
  }
}

// The PCI buses devices sit on, from their <address type='pci' bus=...>.
std::set<long> used_buses(XmlNode devices) {
  std::set<long> used;
  auto buses = devices.xpath_strings(".//address[@type='pci']/@bus");
  if (buses) {
    for (const std::string& bus : *buses) used.insert(std::strtol(bus.c_str(), nullptr, 0));
  }
  return used;
}

void update_root_ports(XmlNode devices, int have, int want) {
  if (want > have) {
    DomainDeviceXml::add_root_ports(devices, want - have);
    return;
  }
  std::set<long> used = used_buses(devices);
  std::vector<std::pair<long, XmlNode>> spare;
  for (XmlNode controller : devices.children("controller")) {
    if (controller.attr("model") != "pcie-root-port") continue;
    long index = std::strtol(controller.attr("index").value_or("-1").c_str(), nullptr, 10);
    if (!used.contains(index)) spare.emplace_back(index, controller);
  }
  std::sort(spare.begin(), spare.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int i = 0; i < have - want && i < static_cast<int>(spare.size()); ++i) spare[i].second.remove();
}

// The topology and features the stack declares, in place (DomainCpuLayout):
// the rest of <cpu> is not the stack's.
void update_cpu_layout(XmlNode domain, const DomainSpec& desired, const DomainSpec& observed) {
  if (!desired.cpu || (!desired.cpu->topology && !desired.cpu->features)) return;
  const bool topology =
      desired.cpu->topology && (!observed.cpu || observed.cpu->topology != desired.cpu->topology);
  const bool features =
      desired.cpu->features && (!observed.cpu || observed.cpu->features != desired.cpu->features);
  if (!topology && !features) return;
  CpuLayoutXml::write(domain.ensure_child("cpu"), topology ? desired.cpu->topology : std::nullopt,
                      features ? desired.cpu->features : std::nullopt);
}

void update_tuning(XmlNode domain, const DomainSpec& desired, const DomainSpec& observed) {
  // A stack without `cpu:` does not manage it: <cpu> stays as it is.
  if (desired.cpu && cpu_json(desired.cpu) != cpu_json(observed.cpu)) {
    bool same_model = desired.cpu.has_value() == observed.cpu.has_value() &&
                      (!desired.cpu || (desired.cpu->mode == observed.cpu->mode &&
                                        desired.cpu->model == observed.cpu->model));
    // Only when the mode or model changed, and then in place
    // (DomainXmlWriter::update_cpu): check, match, fallback, features and
    // topology are not the stack's.
    if (!same_model) DomainXmlWriter::update_cpu(domain, desired);
    update_cpu_layout(domain, desired, observed);
  }
  // `cpu:` (its pins) and `numa:` the stack leaves out are the domain's: a
  // hugepages change rewrites the tuning elements with them, not without.
  DomainSpec tuning = desired;
  if (!tuning.cpu) tuning.cpu = observed.cpu;
  if (!tuning.numa) tuning.numa = observed.numa;
  bool pins_differ = (tuning.cpu ? tuning.cpu->pin : std::map<int, int>{}) !=
                     (observed.cpu ? observed.cpu->pin : std::map<int, int>{});
  bool numa_differs = tuning.numa.has_value() != observed.numa.has_value() ||
                      (tuning.numa && (tuning.numa->mode != observed.numa->mode ||
                                       tuning.numa->nodeset != observed.numa->nodeset));
  if (pins_differ || numa_differs || tuning.hugepages != observed.hugepages) {
    DomainXmlWriter::write_tuning(domain, tuning);
  }
}

void update_devices(XmlNode domain, const DomainSpec& desired, const DomainSpec& observed,
                    const DiskSources& sources) {
  XmlNode devices = domain.ensure_child("devices");
  update_disks(devices, desired, sources);
  update_interfaces(devices, desired);
  update_hostdevs(devices, desired);
  DomainDevicesXml::update(devices, desired.devices);
  if (desired.hotplug_slots != observed.hotplug_slots) {
    update_root_ports(devices, observed.hotplug_slots, desired.hotplug_slots);
  }
}

}  // namespace

Result<std::string> DomainXmlUpdater::update(const std::string& current_xml, const DomainSpec& desired,
                                             const std::string& stack, const DiskSources& sources) {
  auto document = XmlDocument::parse(current_xml, "domain xml");
  if (!document) return providers::fail(document.error());
  auto observed = DomainXmlReader::read(*document, sources);
  if (!observed) return providers::fail(observed.error());
  XmlNode domain = document->root();
  if (desired.virt_type != "auto") domain.set_attr("type", desired.virt_type);
  set_text_child(domain, "title", desired.title);
  set_text_child(domain, "description", desired.description);
  std::string owner_stack = stack;
  if (owner_stack.empty()) {
    if (auto owner = DomainOwner::read(domain)) owner_stack = owner->stack;
  }
  DomainOwner::from_spec(desired, owner_stack).write(domain);
  if (desired.memory.max != observed->memory.max || desired.memory.current != observed->memory.current) {
    DomainXmlWriter::write_memory(domain, desired);
  }
  if (desired.vcpus.max != observed->vcpus.max || desired.vcpus.current != observed->vcpus.current) {
    DomainXmlWriter::write_vcpus(domain, desired);
  }
  update_tuning(domain, desired, *observed);
  update_os(domain, desired, *observed);
  if (desired.uefi && desired.uefi != observed->uefi) desired.uefi->write_xml(domain);
  update_devices(domain, desired, *observed, sources);
  if (desired.security != observed->security) DomainXmlWriter::write_security(domain, desired);
  auto patched = DomainXmlPatcher::apply(*document, desired.xml, DomainXmlPatcher::Missing::ignore);
  if (!patched) return providers::fail(patched.error());
  return document->to_string();
}

}  // namespace virtplan::kvm
