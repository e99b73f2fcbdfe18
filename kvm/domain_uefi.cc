#include "kvm/domain_uefi.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using nlohmann::json;
using providers::XmlNode;

namespace {

std::unexpected<std::string> wrong(std::string message) { return std::unexpected(std::move(message)); }

// <os><firmware><feature name=NAME enabled='yes'|'no'/>: libvirt's request to
// its firmware autoselection.
void set_firmware_feature(XmlNode os, const char* name, bool enabled) {
  XmlNode firmware = os.ensure_child("firmware");
  for (XmlNode feature : firmware.children("feature")) {
    if (feature.attr("name") == name) feature.remove();
  }
  XmlNode feature = firmware.add_child("feature");
  feature.set_attr("enabled", enabled ? "yes" : "no");
  feature.set_attr("name", name);
}

}  // namespace

json DomainUefi::to_json() const {
  json out = json::object();
  if (secure_boot) out["secure_boot"] = *secure_boot;
  if (nvram_template) out["nvram_template"] = *nvram_template;
  return out;
}

std::expected<DomainUefi, std::string> DomainUefi::from_json(const json& value) {
  if (!value.is_object()) return wrong("uefi: expected a map with secure_boot and/or nvram_template");
  DomainUefi out;
  for (const auto& item : value.items()) {
    if (item.key() == "secure_boot") {
      if (!item.value().is_boolean()) return wrong("uefi secure_boot: expected true or false");
      out.secure_boot = item.value().get<bool>();
    } else if (item.key() == "nvram_template") {
      if (!item.value().is_string() || !item.value().get<std::string>().starts_with("/"))
        return wrong("uefi nvram_template: expected the absolute path of a file on the host");
      out.nvram_template = item.value().get<std::string>();
    } else {
      return wrong(fmt::format("uefi: unknown key '{}' (expected nvram_template, secure_boot)", item.key()));
    }
  }
  return out;
}

std::optional<std::string> DomainUefi::check(const std::string& firmware, const std::string& machine) const {
  if (firmware != "uefi") return "uefi: needs `firmware: uefi`";
  // QEMU has SMM, which Secure Boot's firmware needs, on q35 only.
  if (secure_boot.value_or(false) && machine != "q35")
    return fmt::format("uefi secure_boot: needs machine q35 (SMM), not {}", machine);
  return std::nullopt;
}

std::optional<DomainUefi> DomainUefi::read_xml(XmlNode domain) {
  auto os = domain.child("os");
  if (!os) return std::nullopt;
  auto loader = os->child("loader");
  if (os->attr("firmware") != "efi" && !(loader && loader->attr("type") == "pflash")) return std::nullopt;
  DomainUefi out;
  bool secure = loader && loader->attr("secure") == "yes";
  if (auto firmware = os->child("firmware")) {
    for (XmlNode feature : firmware->children("feature")) {
      if (feature.attr("name") == "secure-boot") secure = feature.attr("enabled") == "yes";
    }
  }
  out.secure_boot = secure;
  if (auto nvram = os->child("nvram")) out.nvram_template = nvram->attr("template");
  return out;
}

void DomainUefi::write_xml(XmlNode domain) const {
  XmlNode os = domain.ensure_child("os");
  if (secure_boot) {
    set_firmware_feature(os, "secure-boot", *secure_boot);
    set_firmware_feature(os, "enrolled-keys", *secure_boot);
    if (*secure_boot) {
      os.ensure_child("loader").set_attr("secure", "yes");
      XmlNode features = domain.ensure_child("features");
      features.ensure_child("smm").set_attr("state", "on");
    } else if (auto loader = os.child("loader")) {
      loader->set_attr("secure", "no");
    }
  }
  if (nvram_template) os.ensure_child("nvram").set_attr("template", *nvram_template);
}

}  // namespace virtplan::kvm
