#pragma once

// DomainUefi is the optional `uefi:` key of a domain with `firmware: uefi`:
//   uefi   {"secure_boot"?: BOOL, "loader"?: "/absolute/path",
//           "nvram_template"?: "/absolute/path"}
// Without `loader`, libvirt's firmware autoselection picks the OVMF build
// (<os firmware='efi'>): secure_boot asks it for one with Secure Boot and
// Microsoft's keys enrolled, or for one without (<os><firmware><feature
// name='secure-boot'|'enrolled-keys' enabled='yes'|'no'/>). With `loader`,
// the firmware is the one named (<loader readonly='yes' secure=...
// type='pflash'>PATH</loader>) and `nvram_template` the variable store a new
// domain's NVRAM file is copied from (<nvram template=PATH/>): libvirt 9.0
// refuses a template under autoselection ("nvram attribute 'template' cannot
// be specified when firmware autoselection is enabled", measured). Secure
// boot turns SMM on (<features><smm state='on'/>), which that firmware
// needs; QEMU has SMM on q35 only. Debian's ovmf: loader
// /usr/share/OVMF/OVMF_CODE_4M.secboot.fd, template OVMF_VARS_4M.ms.fd.
// A key the stack leaves out is not managed (DomainReconciler takes the
// domain's); a domain read from XML has each key its XML states, and no
// `uefi` at all when it states none (a plain `firmware: uefi`).

#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <string>

namespace virtplan::kvm {

struct DomainUefi {
  std::optional<bool> secure_boot;
  std::optional<std::string> loader;
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
