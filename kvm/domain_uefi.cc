#include "kvm/domain_uefi.h"

#include "kvm/spec_checks.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using nlohmann::json;
using providers::XmlNode;

// In a namespace of its own: the unity build puts this file beside others
// whose unnamed namespaces have helpers of the same names.
namespace {
namespace uefi_xml {

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

// A firmware named by path (no autoselection): <loader>PATH</loader>.
bool manual_loader(XmlNode os) {
  auto loader = os.child("loader");
  return os.attr("firmware") != "efi" && loader && !loader->text().empty();
}

std::expected<std::string, std::string> path(const json& value, std::string_view key) {
  if (!value.is_string() || !value.get<std::string>().starts_with("/"))
    return wrong(fmt::format("uefi {}: expected the absolute path of a file on the host", key));
  return value.get<std::string>();
}

}  // namespace uefi_xml
}  // namespace

json DomainUefi::to_json() const {
  json out = json::object();
  if (secure_boot) out["secure_boot"] = *secure_boot;
  if (loader) out["loader"] = *loader;
  if (nvram_template) out["nvram_template"] = *nvram_template;
  return out;
}

std::expected<DomainUefi, std::string> DomainUefi::from_json(const json& value) {
  if (!value.is_object()) return wrong("uefi: expected a map with secure_boot, loader and/or nvram_template");
  DomainUefi out;
  for (const auto& item : value.items()) {
    if (item.key() == "secure_boot") {
      if (!item.value().is_boolean()) return wrong("uefi secure_boot: expected true or false");
      out.secure_boot = item.value().get<bool>();
    } else if (item.key() == "loader" || item.key() == "nvram_template") {
      auto checked = uefi_xml::path(item.value(), item.key());
      if (!checked) return std::unexpected(checked.error());
      (item.key() == "loader" ? out.loader : out.nvram_template) = *checked;
    } else {
      return wrong(
          fmt::format("uefi: unknown key '{}' (expected loader, nvram_template, secure_boot)", item.key()));
    }
  }
  return out;
}

std::optional<std::string> DomainUefi::check(const std::string& firmware, const std::string& machine) const {
  if (firmware != "uefi") return "uefi: needs `firmware: uefi`";
  if (nvram_template && !loader)
    return "uefi nvram_template: needs loader (libvirt 9.0 refuses a template when it picks the firmware itself)";
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
  if (uefi_xml::manual_loader(*os)) {
    out.loader = loader->text();
    out.secure_boot = loader->attr("secure") == "yes";
    if (auto nvram = os->child("nvram")) out.nvram_template = nvram->attr("template");
    return out;
  }
  if (loader && loader->attr("secure")) out.secure_boot = loader->attr("secure") == "yes";
  if (auto firmware = os->child("firmware")) {
    for (XmlNode feature : firmware->children("feature")) {
      if (feature.attr("name") == "secure-boot") out.secure_boot = feature.attr("enabled") == "yes";
    }
  }
  // A plain `firmware: uefi` domain: nothing for `uefi:` to state.
  if (out == DomainUefi{}) return std::nullopt;
  return out;
}

void DomainUefi::write_xml(XmlNode domain) const {
  XmlNode os = domain.ensure_child("os");
  if (loader) {
    os.remove_attr("firmware");
    if (auto firmware = os.child("firmware")) firmware->remove();
    XmlNode element = os.ensure_child("loader");
    element.set_attr("readonly", "yes");
    element.set_attr("type", "pflash");
    element.set_text(*loader);
  }
  if (nvram_template) os.ensure_child("nvram").set_attr("template", *nvram_template);
  if (!secure_boot) return;
  if (uefi_xml::manual_loader(os)) {
    os.ensure_child("loader").set_attr("secure", *secure_boot ? "yes" : "no");
  } else {
    uefi_xml::set_firmware_feature(os, "secure-boot", *secure_boot);
    uefi_xml::set_firmware_feature(os, "enrolled-keys", *secure_boot);
    if (auto element = os.child("loader")) element->remove_attr("secure");
  }
  if (*secure_boot) domain.ensure_child("features").ensure_child("smm").set_attr("state", "on");
}

}  // namespace virtplan::kvm
