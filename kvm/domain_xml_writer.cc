#include "kvm/domain_xml_writer.h"

#include "kvm/domain_device_xml.h"
#include "kvm/domain_devices_xml.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_xml_patcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace virtplan::kvm {

using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

void write_kib(XmlNode element, std::uint64_t bytes) {
  element.set_attr("unit", "KiB");
  element.set_text(std::to_string(bytes / 1024));
}

void write_features(XmlNode domain) {
  XmlNode features = domain.add_child("features");
  features.add_child("acpi");
  features.add_child("apic");
}

void write_lifecycle(XmlNode domain) {
  domain.add_child("clock").set_attr("offset", "utc");
  domain.add_child("on_poweroff").set_text("destroy");
  domain.add_child("on_reboot").set_text("restart");
  domain.add_child("on_crash").set_text("destroy");
}

// How many root ports libvirt fills at define: it places each PCIe device on
// a free root port, ours included, so the spares are written on top of one
// port per device: NICs, virtio disks, the virtio-scsi controller, PCI host
// devices, and the USB controller and memory balloon libvirt adds itself.
// Measured on libvirt 9.0: with this count exactly hotplug_slots ports stay free.
int pcie_devices(const DomainSpec& spec) {
  int count = 2 + static_cast<int>(spec.interfaces.size());
  bool scsi = false;
  for (const auto& [target, disk] : spec.disks) {
    if (disk.bus == "virtio") ++count;
    scsi = scsi || disk.bus == "scsi";
  }
  for (const auto& [key, dev] : spec.hostdevs) {
    if (dev.pci) ++count;
  }
  return count + (scsi ? 1 : 0) + DomainDevicesXml::pcie_ports(spec.devices);
}

void write_devices(XmlNode domain, const DomainSpec& spec, const DiskSources& sources) {
  XmlNode devices = domain.add_child("devices");
  // Disks before CD-ROMs and virtio before the rest, so that `boot dev=hd`
  // finds the system disk (vda) first rather than a data disk on sata/scsi.
  std::vector<std::pair<std::string, const DomainSpec::Disk*>> ordered;
  for (const auto& [target, disk] : spec.disks) ordered.emplace_back(target, &disk);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return std::pair(a.second->cdrom, a.second->bus != "virtio") <
           std::pair(b.second->cdrom, b.second->bus != "virtio");
  });
  bool scsi = false;
  for (const auto& [target, disk] : ordered) {
    DomainDeviceXml::add_disk(devices, target, *disk, sources);
    scsi = scsi || disk->bus == "scsi";
  }
  if (scsi) DomainDeviceXml::ensure_scsi_controller(devices);
  if (spec.hotplug_slots > 0) {
    XmlNode root = devices.add_child("controller");
    root.set_attr("type", "pci");
    root.set_attr("index", "0");
    root.set_attr("model", "pcie-root");
    DomainDeviceXml::add_root_ports(devices, spec.hotplug_slots + pcie_devices(spec));
  }
  for (const auto& [key, nic] : spec.interfaces) DomainDeviceXml::add_interface(devices, nic);
  for (const auto& [key, dev] : spec.hostdevs) DomainDeviceXml::add_hostdev(devices, dev);
  DomainDevicesXml::write_new(devices, spec.devices);
}

void write_text_child(XmlNode domain, const char* name, const std::optional<std::string>& value) {
  if (value) domain.add_child(name).set_text(*value);
}

}  // namespace

void DomainXmlWriter::write_memory(XmlNode domain, const DomainSpec& spec) {
  write_kib(domain.ensure_child("memory"), spec.memory.max);
  write_kib(domain.ensure_child("currentMemory"), spec.memory.current);
}

void DomainXmlWriter::write_vcpus(XmlNode domain, const DomainSpec& spec) {
  XmlNode vcpu = domain.ensure_child("vcpu");
  vcpu.set_attr("placement", "static");
  if (spec.vcpus.current != spec.vcpus.max) {
    vcpu.set_attr("current", std::to_string(spec.vcpus.current));
  } else {
    vcpu.remove_attr("current");
  }
  vcpu.set_text(std::to_string(spec.vcpus.max));
}

void DomainXmlWriter::write_os(XmlNode os, const DomainSpec& spec) {
  if (spec.firmware == "uefi") {
    os.set_attr("firmware", "efi");
  } else {
    os.remove_attr("firmware");
  }
  XmlNode type = os.ensure_child("type");
  type.set_attr("arch", spec.arch);
  type.set_attr("machine", spec.machine);
  type.set_text("hvm");
  for (const char* name : {"kernel", "initrd", "cmdline"}) {
    if (auto old = os.child(name)) old->remove();
  }
  if (spec.boot) {
    write_text_child(os, "kernel", spec.boot->kernel);
    write_text_child(os, "initrd", spec.boot->initrd);
    write_text_child(os, "cmdline", spec.boot->cmdline);
  }
  if (disk_boot_order(spec)) {
    // libvirt refuses <os><boot dev=...> beside a device's <boot order=...>.
    for (XmlNode boot : os.children("boot")) boot.remove();
  } else if (!os.child("boot")) {
    os.add_child("boot").set_attr("dev", "hd");
  }
}

bool DomainXmlWriter::disk_boot_order(const DomainSpec& spec) {
  return std::any_of(spec.disks.begin(), spec.disks.end(),
                     [](const auto& item) { return item.second.keys.declared.contains("boot_order"); });
}

void DomainXmlWriter::write_cpu(XmlNode domain, const DomainSpec& spec) {
  if (auto old = domain.child("cpu")) old->remove();
  if (!spec.cpu || (!spec.cpu->mode && !spec.cpu->topology && !spec.cpu->features)) return;
  XmlNode cpu = domain.add_child("cpu");
  if (spec.cpu->mode) cpu.set_attr("mode", *spec.cpu->mode);
  if (spec.cpu->model) {
    cpu.set_attr("match", "exact");
    XmlNode model = cpu.add_child("model");
    model.set_attr("fallback", "forbid");
    model.set_text(*spec.cpu->model);
  }
  CpuLayoutXml::write(cpu, spec.cpu->topology, spec.cpu->features);
}

void DomainXmlWriter::update_cpu(XmlNode domain, const DomainSpec& spec) {
  auto cpu = domain.child("cpu");
  // Without a mode of its own the stack keeps what the domain has (a bare
  // <cpu> with topology or features only is libvirt's custom, no model).
  if (cpu && spec.cpu && !spec.cpu->mode && !spec.cpu->model && (spec.cpu->topology || spec.cpu->features)) {
    CpuLayoutXml::write(*cpu, spec.cpu->topology, spec.cpu->features);
    return;
  }
  if (!cpu || !spec.cpu || !spec.cpu->mode) {
    write_cpu(domain, spec);
    return;
  }
  cpu->set_attr("mode", *spec.cpu->mode);
  auto model = cpu->child("model");
  if (!spec.cpu->model) {
    // host-passthrough and host-model choose no model of their own
    if (model) model->remove();
    return;
  }
  if (!model) {
    model = cpu->add_child("model");
    model->set_attr("fallback", "forbid");
  }
  if (!cpu->attr("match")) cpu->set_attr("match", "exact");
  model->set_text(*spec.cpu->model);
}

void DomainXmlWriter::write_tuning(XmlNode domain, const DomainSpec& spec) {
  if (auto old = domain.child("memoryBacking")) old->remove();
  if (spec.hugepages) domain.add_child("memoryBacking").add_child("hugepages");
  if (auto old = domain.child("cputune")) old->remove();
  if (spec.cpu && !spec.cpu->pin.empty()) {
    XmlNode cputune = domain.add_child("cputune");
    for (const auto& [vcpu, host] : spec.cpu->pin) {
      XmlNode pin = cputune.add_child("vcpupin");
      pin.set_attr("vcpu", std::to_string(vcpu));
      pin.set_attr("cpuset", std::to_string(host));
    }
  }
  if (auto old = domain.child("numatune")) old->remove();
  if (spec.numa) {
    XmlNode memory = domain.add_child("numatune").add_child("memory");
    memory.set_attr("mode", spec.numa->mode);
    memory.set_attr("nodeset", spec.numa->nodeset);
  }
}

void DomainXmlWriter::write_security(XmlNode domain, const DomainSpec& spec) {
  // A `dac` label is not the stack's (domain_xml_reader.cc): it stays.
  for (XmlNode old : domain.children("seclabel")) {
    if (old.attr("model") != "dac") old.remove();
  }
  if (!spec.security) return;
  XmlNode seclabel = domain.add_child("seclabel");
  if (*spec.security == "none") {
    seclabel.set_attr("type", "none");
  } else {
    seclabel.set_attr("type", "dynamic");
    seclabel.set_attr("model", *spec.security);
  }
}

Result<XmlDocument> DomainXmlWriter::write(const DomainSpec& spec, const std::string& name,
                                           const std::string& stack, const std::string& auto_virt_type,
                                           const DiskSources& sources) {
  XmlDocument document = XmlDocument::create("domain");
  XmlNode domain = document.root();
  domain.set_attr("type", spec.virt_type == "auto" ? auto_virt_type : spec.virt_type);
  domain.add_child("name").set_text(name);
  write_text_child(domain, "title", spec.title);
  write_text_child(domain, "description", spec.description);
  DomainOwner::from_spec(spec, stack).write(domain);
  write_memory(domain, spec);
  write_vcpus(domain, spec);
  write_tuning(domain, spec);
  write_os(domain.add_child("os"), spec);
  write_features(domain);
  if (spec.uefi) spec.uefi->write_xml(domain);
  write_cpu(domain, spec);
  write_lifecycle(domain);
  write_devices(domain, spec, sources);
  write_security(domain, spec);
  if (auto done = DomainXmlPatcher::apply(document, spec.xml, DomainXmlPatcher::Missing::error); !done) {
    return providers::fail(done.error().with_context(fmt::format("domain {}", name)));
  }
  return document;
}

}  // namespace virtplan::kvm
