#pragma once

// DomainXmlReader reads a domain's inactive XML (`virsh dumpxml --inactive`)
// back into a DomainSpec, keeping only what the spec manages, so that a domain
// libvirt defined from DomainXmlWriter's XML reads back equal to its spec.
// Ignored, because libvirt adds or assigns them or nobody manages them: ids,
// UUID, aliases, addresses, controllers, <emulator>, <resource>, default
// features, seclabel labels, expanded CPU features, serial/console/input/
// graphics/video/memballoon devices, disks that are neither a pool volume
// (named by pool and volume, or by a path `sources` knows: DiskSources) nor
// an empty CD-ROM (a hand-added file disk), interfaces that are neither
// network nor bridge, the machine's version ("pc-q35-7.2" reads "q35").
// Not in the XML, left absent: autostart and state (the engine observes them
// with `virsh dominfo`/`domstate`). From the owner metadata (DomainOwner):
// restart (default if-needed), hotplug_slots (default 0), cloud_init, and the
// xml patches that still hold (a patch undone by hand drops out, so the plan
// shows it).

#include "kvm/disk_sources.h"
#include "kvm/domain_spec.h"
#include "providers/base/error.h"
#include "providers/xml/document.h"

#include <string>

namespace virtplan::kvm {

class DomainXmlReader {
public:
  static providers::Result<DomainSpec> read(const std::string& xml,
                                            const DiskSources& sources = DiskSources::none());
  static providers::Result<DomainSpec> read(const providers::XmlDocument& document,
                                            const DiskSources& sources = DiskSources::none());

  // The identity of a device element as the spec keys it, nullopt for a
  // device the spec does not manage: a <disk>'s target, an <interface>'s MAC
  // (lowercase), a <hostdev>'s "pci:..."/"usb:...".
  static std::optional<std::string> disk_key(providers::XmlNode disk);
  static std::optional<std::string> interface_key(providers::XmlNode nic);
  static std::optional<std::string> hostdev_key(providers::XmlNode hostdev);

  // A managed device element as the spec has it, nullopt when the spec does
  // not manage it.
  static std::optional<DomainSpec::Disk> read_disk(providers::XmlNode disk,
                                                   const DiskSources& sources = DiskSources::none());
  static std::optional<DomainSpec::Interface> read_interface(providers::XmlNode nic);
};

}  // namespace virtplan::kvm
