#pragma once

// DomainXmlUpdater changes a domain's live inactive XML to a desired spec for
// an atomic redefine (architecture decision 5): only what differs from what
// the XML already says is rewritten, and only managed parts, so the UUID, the
// MACs and PCI addresses libvirt assigned, controllers, the machine's version,
// expanded CPU features and devices added by hand survive. Disks are matched
// by target, NICs by MAC, host devices by address — never by position. A NIC
// still keyed by a placeholder (DomainSpec) is added without a MAC.
//
// hotplug_slots: raising it appends spare root ports; lowering it removes
// that many unused ones (no device on their bus), highest index first.

#include "kvm/disk_sources.h"
#include "kvm/domain_spec.h"
#include "providers/base/error.h"

#include <string>

namespace virtplan::kvm {

class DomainXmlUpdater {
public:
  // `stack` empty keeps the owner's stack as the XML has it. `sources` says
  // which disks name a volume by path, and how to write a new one
  // (DiskSources).
  static providers::Result<std::string> update(const std::string& current_xml, const DomainSpec& desired,
                                               const std::string& stack,
                                               const DiskSources& sources = DiskSources::none());
};

}  // namespace virtplan::kvm
