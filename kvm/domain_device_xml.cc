#include "kvm/domain_device_xml.h"

#include "kvm/domain_xml_reader.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using providers::XmlNode;

namespace {

void write_driver(XmlNode disk_xml, const DomainSpec::Disk& disk) {
  if (!disk.format && !disk.cache) {
    if (auto driver = disk_xml.child("driver")) {
      driver->remove_attr("type");
      driver->remove_attr("cache");
    }
    return;
  }
  XmlNode driver = disk_xml.ensure_child("driver");
  driver.set_attr("name", "qemu");
  if (disk.format) {
    driver.set_attr("type", *disk.format);
  } else {
    driver.remove_attr("type");
  }
  if (disk.cache) {
    driver.set_attr("cache", *disk.cache);
  } else {
    driver.remove_attr("cache");
  }
}

// A volume by path when `sources` knows its path (DiskSources), else by
// pool and volume.
void write_source(XmlNode disk_xml, const DomainSpec::Disk& disk, const DiskSources& sources) {
  if (auto old = disk_xml.child("source")) old->remove();
  if (!disk.volume) {
    disk_xml.set_attr("type", "file");
    return;
  }
  XmlNode source = disk_xml.add_child("source");
  if (auto path = sources.path_of({disk.pool.value_or(""), *disk.volume})) {
    disk_xml.set_attr("type", path->type);
    source.set_attr(path->type == "block" ? "dev" : "file", path->path);
    return;
  }
  disk_xml.set_attr("type", "volume");
  source.set_attr("pool", disk.pool.value_or(""));
  source.set_attr("volume", *disk.volume);
}

// Whether the disk's <source> names the spec's volume already, in either form.
bool same_source(XmlNode disk_xml, const DomainSpec::Disk& disk, const DiskSources& sources) {
  auto read = DomainXmlReader::read_disk(disk_xml, sources);
  return read && read->volume == disk.volume && read->pool == disk.pool;
}

// libvirt keeps <disk> children in a fixed order (driver, source, target,
// readonly, shareable); an update rebuilds the managed ones in that order and keeps the
// others (address, alias, boot) after them.
void reorder(XmlNode disk_xml) {
  for (const char* name : {"driver", "source", "target", "readonly", "shareable"}) {
    if (auto child = disk_xml.child(name)) {
      XmlNode copy = disk_xml.add_child_copy(*child);
      (void)copy;
      child->remove();
    }
  }
  for (XmlNode child : disk_xml.children()) {
    std::string name = child.name();
    if (name != "driver" && name != "source" && name != "target" && name != "readonly" &&
        name != "shareable") {
      disk_xml.add_child_copy(child);
      child.remove();
    }
  }
}

// <source network=NAME/>, <source bridge=NAME/> or, for macvtap, <source dev=NAME mode=MODE/>.
void write_interface_source(XmlNode source, const DomainSpec::Interface& nic) {
  if (nic.direct) {
    source.set_attr("dev", *nic.direct);
    source.set_attr("mode", nic.mode);
    return;
  }
  source.set_attr(nic.type(), nic.source());
}

std::string hex(std::string_view digits) { return "0x" + std::string(digits); }

}  // namespace

XmlNode DomainDeviceXml::add_disk(XmlNode devices, const std::string& target, const DomainSpec::Disk& disk,
                                  const DiskSources& sources) {
  XmlNode disk_xml = devices.add_child("disk");
  disk_xml.set_attr("type", disk.volume ? "volume" : "file");
  disk_xml.set_attr("device", disk.cdrom ? "cdrom" : "disk");
  write_driver(disk_xml, disk);
  write_source(disk_xml, disk, sources);
  XmlNode target_xml = disk_xml.add_child("target");
  target_xml.set_attr("dev", target);
  target_xml.set_attr("bus", disk.bus);
  if (disk.readonly) disk_xml.add_child("readonly");
  if (disk.shareable) disk_xml.add_child("shareable");
  disk.keys.write_xml(disk_xml);
  return disk_xml;
}

void DomainDeviceXml::update_disk(XmlNode disk_xml, const DomainSpec::Disk& disk,
                                  const DiskSources& sources) {
  const bool keep_source = same_source(disk_xml, disk, sources);
  disk_xml.set_attr("device", disk.cdrom ? "cdrom" : "disk");
  write_driver(disk_xml, disk);
  if (!keep_source) write_source(disk_xml, disk, sources);
  XmlNode target_xml = disk_xml.ensure_child("target");
  if (target_xml.attr("bus") != disk.bus) {
    target_xml.set_attr("bus", disk.bus);
    // The old bus's address (a PCI slot for virtio, a drive for sata) no
    // longer fits: libvirt assigns a new one.
    if (auto address = disk_xml.child("address")) address->remove();
  }
  auto readonly = disk_xml.child("readonly");
  if (disk.readonly && !readonly) disk_xml.add_child("readonly");
  if (!disk.readonly && readonly) readonly->remove();
  auto shareable = disk_xml.child("shareable");
  if (disk.shareable && !shareable) disk_xml.add_child("shareable");
  if (!disk.shareable && shareable) shareable->remove();
  disk.keys.write_xml(disk_xml);
  reorder(disk_xml);
}

XmlNode DomainDeviceXml::add_interface(XmlNode devices, const DomainSpec::Interface& nic) {
  XmlNode nic_xml = devices.add_child("interface");
  nic_xml.set_attr("type", nic.type());
  if (nic.mac) nic_xml.add_child("mac").set_attr("address", *nic.mac);
  write_interface_source(nic_xml.add_child("source"), nic);
  nic_xml.add_child("model").set_attr("type", nic.model);
  if (!nic.link_up) nic_xml.add_child("link").set_attr("state", "down");
  nic.options.write_xml(nic_xml);
  return nic_xml;
}

void DomainDeviceXml::update_interface(XmlNode nic_xml, const DomainSpec::Interface& nic) {
  std::string type = nic.type();
  XmlNode source = nic_xml.ensure_child("source");
  if (nic_xml.attr("type") != type) {
    // The old type's source attributes (network's portid, bridge name) do not apply.
    source.remove();
    source = nic_xml.ensure_child("source");
    nic_xml.set_attr("type", type);
  }
  write_interface_source(source, nic);
  nic_xml.ensure_child("model").set_attr("type", nic.model);
  // An explicit state='up' rather than no <link>: update-device compares the
  // element it is given with the running NIC, so a link brought back up must
  // say so.
  if (!nic.link_up || nic_xml.child("link"))
    nic_xml.ensure_child("link").set_attr("state", nic.link_up ? "up" : "down");
  nic.options.write_xml(nic_xml);
}

XmlNode DomainDeviceXml::add_hostdev(XmlNode devices, const DomainSpec::Hostdev& dev) {
  XmlNode hostdev = devices.add_child("hostdev");
  hostdev.set_attr("mode", "subsystem");
  hostdev.set_attr("type", dev.pci ? "pci" : "usb");
  hostdev.set_attr("managed", "yes");
  XmlNode source = hostdev.add_child("source");
  if (dev.pci) {
    // "0000:03:00.1" -> domain 0000, bus 03, slot 00, function 1
    const std::string& pci = *dev.pci;
    XmlNode address = source.add_child("address");
    address.set_attr("domain", hex(pci.substr(0, 4)));
    address.set_attr("bus", hex(pci.substr(5, 2)));
    address.set_attr("slot", hex(pci.substr(8, 2)));
    address.set_attr("function", hex(pci.substr(11, 1)));
  } else {
    const std::string& usb = *dev.usb;
    source.add_child("vendor").set_attr("id", hex(usb.substr(0, 4)));
    source.add_child("product").set_attr("id", hex(usb.substr(5, 4)));
  }
  return hostdev;
}

void DomainDeviceXml::add_root_ports(XmlNode devices, int count) {
  for (int i = 0; i < count; ++i) {
    XmlNode controller = devices.add_child("controller");
    controller.set_attr("type", "pci");
    controller.set_attr("model", "pcie-root-port");
  }
}

void DomainDeviceXml::ensure_scsi_controller(XmlNode devices) {
  for (XmlNode controller : devices.children("controller")) {
    if (controller.attr("type") == "scsi") return;
  }
  XmlNode controller = devices.add_child("controller");
  controller.set_attr("type", "scsi");
  controller.set_attr("model", "virtio-scsi");
}

}  // namespace virtplan::kvm
