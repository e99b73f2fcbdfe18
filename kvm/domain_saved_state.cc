#include "kvm/domain_saved_state.h"

#include "providers/xml/document.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using providers::Result;
using providers::Spec;

Result<std::optional<std::string>> nvram_path(const std::string& domain_xml) {
  auto document = providers::XmlDocument::parse(domain_xml);
  if (!document) return providers::fail(document.error());
  auto os = document->root().child("os");
  if (!os) return std::optional<std::string>{};
  auto nvram = os->child("nvram");
  if (!nvram || nvram->text().empty()) return std::optional<std::string>{};
  return std::optional<std::string>{nvram->text()};
}

Result<nlohmann::json> nvram_of(const std::string& domain_xml, const Spec& spec) {
  auto path = nvram_path(domain_xml);
  if (!path) return providers::fail(path.error());
  if (*path) return nlohmann::json(**path);
  if (spec.is_object() && spec.value("firmware", "") == "uefi") return nlohmann::json(true);
  return nlohmann::json();
}

void add_saved_state(Spec& spec, bool managed_save, const nlohmann::json& nvram, std::size_t snapshots) {
  Spec saved = Spec::object();
  if (managed_save) saved["managed_save"] = true;
  if (!nvram.is_null() && nvram != false) saved["nvram"] = nvram;
  if (snapshots > 0) saved["snapshots"] = snapshots;
  if (saved.empty()) return;
  if (!spec.contains(k_saved_state) || !spec[k_saved_state].is_object()) spec[k_saved_state] = Spec::object();
  spec[k_saved_state].update(saved);
}

std::vector<std::string> saved_state_losses(const Spec& observed) {
  std::vector<std::string> losses;
  if (!observed.is_object() || !observed.contains(k_saved_state)) return losses;
  const Spec& saved = observed[k_saved_state];
  if (!saved.is_object()) return losses;
  if (saved.value("managed_save", false)) losses.push_back("managed save");
  if (saved.contains("nvram")) losses.push_back("NVRAM");
  const auto snapshots = saved.value("snapshots", std::uint64_t{0});
  if (snapshots > 0) losses.push_back(fmt::format("{} snapshot{}", snapshots, snapshots == 1 ? "" : "s"));
  return losses;
}

}  // namespace virtplan::kvm
