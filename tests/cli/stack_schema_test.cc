// The stack schema (cli/stack_schema.h): the committed copy is what
// `virtplan schema` prints, its shapes and enums are the readers', and its
// notes name keys the readers have. tests/schema/check_stacks.py validates
// the examples and the broken stacks against the committed copy with an
// independent validator (python3-jsonschema).

#include "cli/stack_schema.h"
#include "cli/kinds.h"
#include "cli/stack_schema_notes.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path k_committed = fs::path(VIRTPLAN_SOURCE_DIR) / "schema/virtplan-stack.schema.json";

std::string committed_text() {
  std::ifstream in(k_committed, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The schema of the value at `place` (stack_schema_notes.h's spelling), or
// null when the schema has no such key. A value with several forms (a number
// or a map) is looked into through each.
json at_place(const json& schema, const std::string& place);

json step_into(const json& node, const std::string& step) {
  if (node.contains("anyOf")) {
    for (const auto& form : node["anyOf"]) {
      json found = step_into(form, step);
      if (!found.is_null()) return found;
    }
    return nullptr;
  }
  if (step == "[]") return node.contains("items") ? node["items"] : json();
  if (node.contains("properties") && node["properties"].contains(step)) return node["properties"][step];
  return nullptr;
}

json at_place(const json& schema, const std::string& place) {
  std::string section = place.substr(0, place.find_first_of(".["));
  if (!schema["properties"].contains(section)) return nullptr;
  json node = schema["properties"][section];
  if (node.contains("additionalProperties") && node["additionalProperties"].is_object())
    node = node["additionalProperties"];  // the section's objects
  std::string rest = place.substr(section.size());
  while (!rest.empty() && !node.is_null()) {
    if (rest.starts_with("[]")) {
      node = step_into(node, "[]");
      rest = rest.substr(2);
      continue;
    }
    rest = rest.substr(1);  // the '.'
    std::string step = rest.substr(0, rest.find_first_of(".["));
    rest = rest.substr(step.size());
    node = step_into(node, step);
  }
  return node;
}

TEST_CASE("the committed schema is what virtplan schema prints") {
  const std::string generated = virtplan::cli::stack_schema_text(virtplan::cli::kinds());
  INFO("regenerate it: build/virtplan schema > schema/virtplan-stack.schema.json");
  CHECK(committed_text() == generated);
}

TEST_CASE("the schema takes its enums and keys from the readers") {
  const json schema = virtplan::cli::stack_schema(virtplan::cli::kinds());
  CHECK(at_place(schema, "domains.state")["enum"] == json({"running", "stopped", "paused"}));
  CHECK(at_place(schema, "domains.disks[].bus")["enum"] == json({"virtio", "scsi", "sata", "ide"}));
  CHECK(at_place(schema, "hosts.host_key")["enum"] == json({"strict", "accept-new"}));
  // vcpus is a number or {current, max}: both forms, from one reader.
  CHECK(at_place(schema, "domains.vcpus.max")["type"] == "integer");
  CHECK(at_place(schema, "domains.memory.current").contains("anyOf"));
  // A key no reader asks for is refused, at every level.
  CHECK(schema["properties"]["domains"]["additionalProperties"]["additionalProperties"] == false);
  CHECK(at_place(schema, "domains.interfaces[]")["additionalProperties"] == false);
  // Profiles hold domain settings but not where a domain is placed.
  const json profile = schema["properties"]["profiles"]["additionalProperties"];
  CHECK(profile["properties"].contains("memory"));
  CHECK_FALSE(profile["properties"].contains("host"));
  CHECK_FALSE(profile["properties"].contains("profile"));
}

TEST_CASE("a pool's source keys are typed as the pool types that take them read them") {
  const json schema = virtplan::cli::stack_schema(virtplan::cli::kinds());
  CHECK(at_place(schema, "pools.source.port")["type"] == "integer");
  CHECK(at_place(schema, "pools.source.adapter.type")["enum"] == json({"scsi_host", "fc_host"}));
  CHECK(at_place(schema, "pools.source.adapter")["additionalProperties"] == false);
  // fs and disk pools take one device, logical pools a list of them.
  CHECK(at_place(schema, "pools.source.device")["anyOf"].size() == 2);
}

// Every property's schema says something: a key that takes any value is a
// key whose reader the probes never reached.
void check_no_open_keys(const json& node, const std::string& where) {
  if (!node.is_object()) return;
  if (node.contains("properties")) {
    for (const auto& [key, value] : node["properties"].items()) {
      INFO(where + "." + key);
      CHECK_FALSE(value == json::object());
      check_no_open_keys(value, where + "." + key);
    }
  }
  for (const char* inner : {"additionalProperties", "items"}) {
    if (node.contains(inner)) check_no_open_keys(node[inner], where);
  }
  if (node.contains("anyOf")) {
    for (const auto& form : node["anyOf"]) check_no_open_keys(form, where);
  }
}

TEST_CASE("no key of the schema takes any value") {
  check_no_open_keys(virtplan::cli::stack_schema(virtplan::cli::kinds()), "");
}

TEST_CASE("every schema note names a key the readers have") {
  const json schema = virtplan::cli::stack_schema(virtplan::cli::kinds());
  for (const auto& note : virtplan::cli::schema_notes()) {
    const std::string place(note.place);
    if (place.starts_with("placement.")) continue;
    INFO(place);
    CHECK_FALSE(at_place(schema, place).is_null());
  }
}

TEST_CASE("every key of every section's objects has a description") {
  const json schema = virtplan::cli::stack_schema(virtplan::cli::kinds());
  for (const auto& [section, entry] : schema["properties"].items()) {
    INFO(section);
    CHECK(entry.contains("description"));
    if (!entry.contains("additionalProperties") || !entry["additionalProperties"].is_object()) continue;
    for (const auto& [key, value] : entry["additionalProperties"]["properties"].items()) {
      INFO(key);
      CHECK(value.contains("description"));
    }
  }
}

}  // namespace
