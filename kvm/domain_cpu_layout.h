#pragma once

// The CPU's topology and feature policies: two optional keys of a domain's
// `cpu:` (DomainSpec::Cpu), beside its mode and model, in this canonical form:
//   topology   {"sockets": N, "cores": N, "threads": N, "dies"?: N (when not 1)};
//              their product is the vCPU maximum (libvirt 9.0 refuses any
//              other at define: "CPU topology doesn't match maximum vcpu count")
//   features   {"require": [NAME...], "disable": [NAME...]}, each sorted, no
//              name in both: <feature policy='require'|'disable' name=NAME/>
// Each is unmanaged when the stack leaves it out (DomainReconciler takes the
// domain's), and an update writes only what is declared, in place: the other
// features (policy force, optional, forbid), <cpu check>, match and the
// model's fallback stay as they are.

#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <set>
#include <string>

namespace virtplan::kvm {

struct CpuTopology {
  int sockets = 1;
  int dies = 1;
  int cores = 1;
  int threads = 1;

  long long count() const { return 1LL * sockets * dies * cores * threads; }
  nlohmann::json to_json() const;
  static std::expected<CpuTopology, std::string> from_json(const nlohmann::json& value);
  bool operator==(const CpuTopology&) const = default;
};

struct CpuFeatures {
  std::set<std::string> require;
  std::set<std::string> disable;

  bool empty() const { return require.empty() && disable.empty(); }
  nlohmann::json to_json() const;
  static std::expected<CpuFeatures, std::string> from_json(const nlohmann::json& value);
  bool operator==(const CpuFeatures&) const = default;
};

// Reading and writing them in a <cpu> element.
struct CpuLayoutXml {
  static std::optional<CpuTopology> read_topology(providers::XmlNode cpu);
  static std::optional<CpuFeatures> read_features(providers::XmlNode cpu);
  // Writes what is given (nullopt: left as it is).
  static void write(providers::XmlNode cpu, const std::optional<CpuTopology>& topology,
                    const std::optional<CpuFeatures>& features);
};

}  // namespace virtplan::kvm
