#pragma once

// DomainDeviceXml builds the <devices> children a domain's spec manages
// (disks, NICs, host devices, spare root ports) with libxml2's tree API, for
// both a new domain (DomainXmlWriter) and an update (DomainXmlUpdater), so the
// two always agree on how a device is written.

#include "kvm/disk_sources.h"
#include "kvm/domain_spec.h"
#include "providers/xml/node.h"

#include <string>

namespace virtplan::kvm {

class DomainDeviceXml {
public:
  // Appends <disk> for `disk` at `target`; its volume by path when
  // `sources` knows it (DiskSources), else by pool and volume.
  static providers::XmlNode add_disk(providers::XmlNode devices, const std::string& target,
                                     const DomainSpec::Disk& disk,
                                     const DiskSources& sources = DiskSources::none());
  // Sets the parts of an existing <disk> that the spec manages (driver
  // type/cache, source, target bus, readonly), keeping the rest (address,
  // alias, boot order). A source that already names the disk's volume, in
  // either form, is kept as it is (its other attributes too).
  static void update_disk(providers::XmlNode disk_xml, const DomainSpec::Disk& disk,
                          const DiskSources& sources = DiskSources::none());

  // Appends <interface>; without a MAC libvirt assigns one at define.
  static providers::XmlNode add_interface(providers::XmlNode devices, const DomainSpec::Interface& nic);
  // Sets source, model and link state of an existing <interface>, keeping
  // MAC and address.
  static void update_interface(providers::XmlNode nic_xml, const DomainSpec::Interface& nic);

  static providers::XmlNode add_hostdev(providers::XmlNode devices, const DomainSpec::Hostdev& dev);

  // Appends `count` <controller type='pci' model='pcie-root-port'/> with no
  // index: libvirt numbers them after the ones it adds itself.
  static void add_root_ports(providers::XmlNode devices, int count);

  // Adds a virtio-scsi controller when a scsi disk needs one and none exists.
  static void ensure_scsi_controller(providers::XmlNode devices);
};

}  // namespace virtplan::kvm
