#pragma once

// DomainDeviceRef names one managed device of a domain by its identity, as
// the spec keys it: a disk by target ("vdb"), a NIC by MAC, a host device by
// "pci:..."/"usb:...", the (first) graphics console by "". Live attach, detach and update find the device's
// element through it, in the inactive XML (what to attach) or the live XML
// (what to detach, whether it is there).

#include "providers/xml/document.h"

#include <optional>
#include <set>
#include <string>

namespace virtplan::kvm {

struct DomainDeviceRef {
  enum class Type { disk, interface, hostdev, graphics };

  Type type = Type::disk;
  std::string key;

  // "disk vdb", "NIC 52:54:00:00:00:10", "host device pci:0000:03:00.1"
  std::string describe() const;
  // The element in `domain` (a <domain> document), nullopt when it has none.
  std::optional<providers::XmlNode> find(const providers::XmlDocument& domain) const;
  // The keys of every managed device of `type` in `domain`.
  static std::set<std::string> keys(const providers::XmlDocument& domain, Type type);

  auto operator<=>(const DomainDeviceRef&) const = default;
};

}  // namespace virtplan::kvm
