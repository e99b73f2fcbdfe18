#pragma once

// Helpers for the resource kinds' tests: a stack object parsed from a YAML
// snippet the way the loader would, golden files compared exactly, and
// libvirt's RelaxNG schemas.

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/resource_kind.h"
#include "providers/xml/document.h"
#include "providers/xml/relax_ng_schema.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace virtplan::test {

// One object parsed from `yaml` (its own keys, as under `SECTION: NAME:`),
// with the diagnostics parse() and the unknown-key check reported.
struct Parsed {
  providers::StackObject object;
  providers::Diagnostics diags;

  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& d : diags.sorted()) out.push_back(d.str());
    return out;
  }
};

inline Parsed parse_object(const providers::ResourceKind& kind, const std::string& name,
                           const std::string& yaml, const std::string& host = "lab1") {
  Parsed parsed;
  parsed.object.id = providers::ObjectId{std::string(kind.kind()), name, host};
  parsed.object.stack = "demo";
  YAML::Node node = YAML::Load(yaml);
  providers::YamlMap map(node, "stack.yaml", fmt::format("{}.{}", kind.kind(), name));
  parsed.object.where = map.where();
  kind.parse(map, parsed.object, parsed.diags);
  map.report_unknown(parsed.diags);
  return parsed;
}

// fmt rather than string +: GCC 12 at -O1 reports a false array-bounds
// error for the concatenation once it is inlined (domain_stats_test.cc).
inline std::string source_path(const std::string& relative) {
  return fmt::format("{}/{}", VIRTPLAN_SOURCE_DIR, relative);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares `got` with the golden file exactly; VIRTPLAN_UPDATE_GOLDEN=1
// rewrites the file instead.
inline void check_golden(const std::string& relative, const std::string& got) {
  std::string path = source_path(relative);
  if (const char* update = std::getenv("VIRTPLAN_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path) << got;
  }
  std::string want = read_file(path);
  INFO("golden " << relative << "\n--- got:\n" << got << "--- want:\n" << want);
  CHECK(got == want);
}

// Every problem libvirt's schema finds in `xml`; empty when it is valid.
inline std::vector<std::string> schema_problems(const std::string& schema, const std::string& xml) {
  auto loaded = providers::RelaxNgSchema::load("/usr/share/libvirt/schemas/" + schema);
  REQUIRE(loaded.has_value());
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document.has_value());
  return (*loaded)->problems(*document);
}

}  // namespace virtplan::test
