// YamlProbe (providers/base/yaml_probe.h): what a reader asked of each node
// while a probe lives, which is all the stack schema knows of the readers.

#include "providers/base/yaml_probe.h"
#include "providers/base/yaml_map.h"

#include <catch2/catch.hpp>

namespace {

using virtplan::providers::Diagnostics;
using virtplan::providers::YamlMap;
using virtplan::providers::YamlProbe;
using virtplan::providers::YamlRead;
using virtplan::providers::YamlValue;

// A reader as the kinds write them: a key read as an enum, one as a size or
// a map, one as a list of maps.
void read_example(const YAML::Node& root) {
  Diagnostics diags;
  YamlMap map(root, "f.yaml");
  if (auto v = map.get("state")) v->as_enum(diags, {"on", "off"});
  if (auto v = map.get("memory")) {
    if (v->is_map()) {
      if (auto inner = v->as_map(diags)) inner->get("max");
    } else {
      v->as_size(diags);
    }
  }
  if (auto v = map.get("disks")) {
    for (const auto& item : v->as_sequence(diags).value_or(std::vector<YamlValue>{})) {
      if (auto disk = item.as_map(diags)) disk->get("bus");
    }
  }
}

TEST_CASE("a probe records the keys asked of a map and how each value is read") {
  YAML::Node root = YAML::Load("{state: x, memory: y, disks: [z]}");
  YamlProbe probe;
  read_example(root);
  CHECK(probe.keys_of(root) == std::set<std::string>{"disks", "memory", "state"});
  CHECK(probe.choices_of(root["state"]) == std::vector<std::string>{"on", "off"});
  CHECK(probe.reads_of(root["memory"]) == std::set<YamlRead>{YamlRead::size});
  CHECK(probe.looked_for_map(root["memory"]));
  CHECK(probe.reads_of(root["disks"]) == std::set<YamlRead>{YamlRead::sequence});
  CHECK(probe.reads_of(root["disks"][0]) == std::set<YamlRead>{YamlRead::map});
}

TEST_CASE("a probe sees the keys of a map a reader finds in another form") {
  YAML::Node root = YAML::Load("{memory: {}}");
  YamlProbe probe;
  read_example(root);
  CHECK(probe.keys_of(root["memory"]) == std::set<std::string>{"max"});
}

TEST_CASE("an inner probe records alone, and the outer one resumes after it") {
  YAML::Node root = YAML::Load("{state: x}");
  YamlProbe outer;
  {
    YamlProbe inner;
    read_example(root);
    CHECK(inner.keys_of(root).size() == 3);
  }
  CHECK(outer.keys_of(root).empty());
  read_example(root);
  CHECK(outer.keys_of(root).size() == 3);
}

}  // namespace
