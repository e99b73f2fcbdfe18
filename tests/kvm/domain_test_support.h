#pragma once

// Helpers shared by the domain kind's tests: stacks read from small YAML
// texts or from tests/kvm/stacks, and golden files compared exactly
// (VIRTPLAN_UPDATE_GOLDEN=1 rewrites them).

#include "kvm/domain_kind.h"
#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace virtplan::kvm::test {

inline std::string source_path(const std::string& relative) {
  return std::string(VIRTPLAN_SOURCE_DIR) + "/tests/kvm/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses `yaml` as one domain's keys, as the loader would hand them over.
inline providers::StackObject parse_domain(const std::string& yaml, providers::Diagnostics& diags,
                                           const std::string& name = "web") {
  providers::StackObject object;
  object.id = {"domain", name, "lab1"};
  object.stack = "demo";
  YAML::Node node = YAML::Load(yaml);
  providers::YamlMap map(node, "stack.yaml", "domain." + name);
  object.where = map.where();
  DomainKind().parse(map, object, diags);
  map.report_unknown(diags);
  return object;
}

inline providers::StackObject parse_stack_file(const std::string& file, const std::string& name) {
  providers::Diagnostics diags;
  auto object = parse_domain(read_text(source_path("stacks/" + file)), diags, name);
  for (const auto& d : diags.sorted()) UNSCOPED_INFO(d.str());
  REQUIRE(diags.empty());
  return object;
}

// A domain from `yaml` that must parse without a message.
inline providers::StackObject valid_domain(const std::string& yaml) {
  providers::Diagnostics diags;
  providers::StackObject object = parse_domain(yaml, diags);
  for (const auto& d : diags.sorted()) UNSCOPED_INFO(d.str());
  REQUIRE(diags.empty());
  return object;
}

// The XML create_xml() makes of `object`, which must succeed.
inline std::string created_xml(const providers::StackObject& object) {
  auto xml = DomainKind().create_xml(object);
  REQUIRE(xml);
  return *xml;
}

// The diagnostics as "line:col: message" lines, for exact comparisons.
inline std::string messages(const providers::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.str() + "\n";
  return out;
}

inline void check_golden(const std::string& relative, const std::string& got) {
  const std::string path = source_path(relative);
  if (std::getenv("VIRTPLAN_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << got;
  }
  const std::string want = read_text(path);
  INFO("golden file " << path << " (regenerate with VIRTPLAN_UPDATE_GOLDEN=1)\n--- got ---\n"
                      << got << "--- want ---\n"
                      << want);
  CHECK(got == want);
}

}  // namespace virtplan::kvm::test
