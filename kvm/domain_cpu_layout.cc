#include "kvm/domain_cpu_layout.h"

#include "kvm/spec_checks.h"

#include <fmt/format.h>

#include <cstdlib>
#include <regex>

namespace virtplan::kvm {

using nlohmann::json;
using providers::XmlNode;

// In a namespace of its own: the unity build puts this file beside others
// whose unnamed namespaces have helpers of the same names.
namespace {
namespace cpu_layout {

// QEMU's feature names: "pcid", "sse4.2", "tsc-deadline", "avx512_vnni".
const std::regex k_feature(R"(^[a-z0-9][a-z0-9_.-]*$)");

std::expected<std::set<std::string>, std::string> names(const json& value, std::string_view list) {
  if (!value.is_array()) return wrong(fmt::format("cpu features {}: expected a list of feature names", list));
  std::set<std::string> out;
  for (const json& name : value) {
    if (!name.is_string() || !std::regex_match(name.get<std::string>(), k_feature))
      return wrong(
          fmt::format("cpu features {}: '{}' is not a CPU feature name (like pcid, sse4.2, tsc-deadline)",
                      list, name.is_string() ? name.get<std::string>() : name.dump()));
    out.insert(name.get<std::string>());
  }
  return out;
}

int count_attr(XmlNode element, const char* name) {
  return std::atoi(element.attr(name).value_or("1").c_str());
}

}  // namespace cpu_layout
}  // namespace

json CpuTopology::to_json() const {
  json out = {{"sockets", sockets}, {"cores", cores}, {"threads", threads}};
  if (dies != 1) out["dies"] = dies;
  return out;
}

std::expected<CpuTopology, std::string> CpuTopology::from_json(const json& value) {
  if (!value.is_object()) return wrong("cpu topology: expected a map of sockets, cores and threads");
  CpuTopology out;
  for (const auto& item : value.items()) {
    int* field = item.key() == "sockets"   ? &out.sockets
                 : item.key() == "dies"    ? &out.dies
                 : item.key() == "cores"   ? &out.cores
                 : item.key() == "threads" ? &out.threads
                                           : nullptr;
    if (!field)
      return wrong(
          fmt::format("cpu topology: unknown key '{}' (expected sockets, dies, cores, threads)", item.key()));
    if (!item.value().is_number_integer() || item.value().get<long long>() < 1 ||
        item.value().get<long long>() > 4096)
      return wrong(fmt::format("cpu topology {}: expected a whole number from 1 to 4096", item.key()));
    *field = item.value().get<int>();
  }
  for (const char* key : {"sockets", "cores", "threads"}) {
    if (!value.contains(key)) return wrong(fmt::format("cpu topology: {} is required", key));
  }
  return out;
}

json CpuFeatures::to_json() const { return {{"require", require}, {"disable", disable}}; }

std::expected<CpuFeatures, std::string> CpuFeatures::from_json(const json& value) {
  if (!value.is_object()) return wrong("cpu features: expected a map with require and/or disable");
  CpuFeatures out;
  for (const auto& item : value.items()) {
    if (item.key() != "require" && item.key() != "disable")
      return wrong(fmt::format("cpu features: unknown key '{}' (expected require, disable)", item.key()));
    auto list = cpu_layout::names(item.value(), item.key());
    if (!list) return std::unexpected(list.error());
    (item.key() == "require" ? out.require : out.disable) = std::move(*list);
  }
  for (const std::string& name : out.require) {
    if (out.disable.contains(name))
      return wrong(fmt::format("cpu features: '{}' is both required and disabled", name));
  }
  return out;
}

std::optional<CpuTopology> CpuLayoutXml::read_topology(XmlNode cpu) {
  auto element = cpu.child("topology");
  if (!element) return std::nullopt;
  return CpuTopology{cpu_layout::count_attr(*element, "sockets"), cpu_layout::count_attr(*element, "dies"),
                     cpu_layout::count_attr(*element, "cores"), cpu_layout::count_attr(*element, "threads")};
}

std::optional<CpuFeatures> CpuLayoutXml::read_features(XmlNode cpu) {
  CpuFeatures out;
  for (XmlNode feature : cpu.children("feature")) {
    auto name = feature.attr("name");
    if (!name) continue;
    // libvirt's default policy is require.
    std::string policy = feature.attr("policy").value_or("require");
    if (policy == "require") out.require.insert(*name);
    if (policy == "disable") out.disable.insert(*name);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

void CpuLayoutXml::write(XmlNode cpu, const std::optional<CpuTopology>& topology,
                         const std::optional<CpuFeatures>& features) {
  if (topology) {
    XmlNode element = cpu.ensure_child("topology");
    element.set_attr("sockets", std::to_string(topology->sockets));
    element.set_attr("dies", std::to_string(topology->dies));
    element.set_attr("cores", std::to_string(topology->cores));
    element.set_attr("threads", std::to_string(topology->threads));
  }
  if (!features) return;
  for (XmlNode feature : cpu.children("feature")) {
    std::string policy = feature.attr("policy").value_or("require");
    if (policy == "require" || policy == "disable") feature.remove();
  }
  for (const auto& [policy, list] :
       {std::pair{"require", &features->require}, std::pair{"disable", &features->disable}}) {
    for (const std::string& name : *list) {
      XmlNode feature = cpu.add_child("feature");
      feature.set_attr("policy", policy);
      feature.set_attr("name", name);
    }
  }
}

}  // namespace virtplan::kvm
