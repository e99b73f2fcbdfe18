#pragma once

// DomainUefi is the optional `uefi:` key of a domain with `firmware: uefi`:
//   uefi   {"secure_boot"?: BOOL, "nvram_template"?: "/absolute/path"}
// Secure boot asks libvirt's firmware autoselection for an OVMF build with
// Secure Boot and Microsoft's keys enrolled (<os><firmware><feature
// name='secure-boot' enabled='yes'/><feature name='enrolled-keys' .../>,
// <loader secure='yes'/>) and turns SMM on (<features><smm state='on'/>),
// which that firmware needs; QEMU offers SMM on q35 only. The NVRAM template
// is the variable store a new domain's NVRAM file is copied from
// (<nvram template=PATH/>; Debian's ovmf: /usr/share/OVMF/OVMF_VARS_4M.ms.fd).
// A key the stack leaves out is not managed (DomainReconciler takes the
// domain's). A domain read from XML with EFI firmware has "secure_boot".

#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <string>

namespace virtplan::kvm {

struct DomainUefi {
  std::optional<bool> secure_boot;
  std::optional<std::string> nvram_template;

  nlohmann::json to_json() const;
  // A stack's (or a spec's) value, checked; the message names the key.
  static std::expected<DomainUefi, std::string> from_json(const nlohmann::json& value);
  // Whether it fits the domain's firmware and machine, or why not.
  std::optional<std::string> check(const std::string& firmware, const std::string& machine) const;

  // From a <domain> element; nullopt unless its firmware is EFI.
  static std::optional<DomainUefi> read_xml(providers::XmlNode domain);
  // Writes what is declared into a <domain> element (its <os> and
  // <features>), in place: a key left out stays as the domain has it.
  void write_xml(providers::XmlNode domain) const;
  bool operator==(const DomainUefi&) const = default;
};

}  // namespace virtplan::kvm
