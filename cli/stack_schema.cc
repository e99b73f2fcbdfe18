#include "cli/stack_schema.h"

#include "cli/stack_schema_notes.h"
#include "planner/host_reader.h"
#include "providers/base/yaml_map.h"
#include "providers/base/yaml_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using nlohmann::json;
using providers::YamlProbe;
using providers::YamlRead;

// Reads one object of a section from the root of a probe document, as the
// loader does.
using ObjectReader = std::function<void(const YAML::Node& root)>;
// Where a probed value sits under the object: keys, "[]" for a list's item.
using Steps = std::vector<std::string>;

// A string no reader takes as a name, size, number or enum value: each
// accessor asked of it says how it would read it, and what it would allow.
constexpr const char* k_probe_text = "\x01probe";
// Nesting deeper than any stack's; a guard against a reader that recurses.
constexpr std::size_t k_max_depth = 8;

// The sections the loader reads itself (planner/stack_loader.cc) and the
// keys it reads of every object before its kind does.
constexpr const char* k_stack_key = "stack";
constexpr const char* k_hosts_section = "hosts";
constexpr const char* k_profiles_section = "profiles";
constexpr const char* k_profile_users = "domains";

// What some readers need around a value before they read it: a network's
// `dhcp` is read only under an `ipv4` with an address (its range is checked
// against the subnet). Probe documents are built on these, so each probed
// key has its siblings.
// A domain's `vcpus: {current, max}` is read only with both given, a NIC's
// `mode` only for `type: direct` with a `source_dev`. A pool's `source` keys
// are read only for the types that take them, and its `format` choices are
// the type's: a section may have several seeds, and what each one's probe
// learns is joined (keys, reads, choices).
constexpr std::pair<std::string_view, std::string_view> k_seeds[] = {
    {"domains",
     "{memory: {current: 512MiB, max: 1GiB}, vcpus: {current: 1, max: 2}, xml: [{set: /domain/title, value: t}], "
     "interfaces: [{type: direct, source_dev: eth0}]}"},
    {"networks",
     "{mode: nat, bridge: vp-probe0, ipv4: {address: 10.0.0.1/24, dhcp: {range: 10.0.0.100-10.0.0.199, "
     "hosts: [{mac: '52:54:00:00:00:01', ip: 10.0.0.10, name: a}]}}, dns: {hosts: [{ip: 10.0.0.10, names: [a]}]}}"},
    {"pools", "{type: dir}"},
    {"pools", "{type: fs, path: /p, source: {device: /dev/p}}"},
    {"pools", "{type: netfs, path: /p, source: {host: h, dir: /e}}"},
    {"pools", "{type: logical, source: {device: [/dev/p]}}"},
    {"pools", "{type: disk, path: /dev, source: {device: /dev/p}}"},
    {"pools", "{type: iscsi, path: /dev/disk/by-path, source: {host: h, iqn: 'iqn.2000-01.p:t'}}"},
    {"pools",
     "{type: iscsi-direct, source: {host: h, iqn: 'iqn.2000-01.p:t', initiator: 'iqn.2000-01.p:i'}}"},
    {"pools", "{type: scsi, path: /dev/disk/by-path, source: {adapter: {name: host0}}}"},
    {"pools", "{type: mpath, path: /dev/mapper}"},
};

// Every seed of `section`: an empty map when it has none.
std::vector<YAML::Node> seeds_of(std::string_view section) {
  std::vector<YAML::Node> seeds;
  for (const auto& [name, text] : k_seeds) {
    if (name == section) seeds.push_back(YAML::Load(std::string(text)));
  }
  if (seeds.empty()) seeds.emplace_back(YAML::NodeType::Map);
  return seeds;
}

// The entry `key` of map `seed`, or a null node (const lookup by iteration:
// operator[] of a missing key yields a node that throws when asked its type).
YAML::Node child_of(const YAML::Node& seed, const std::string& key) {
  if (seed.IsDefined() && seed.IsMap()) {
    for (const auto& entry : seed) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
    }
  }
  return YAML::Node();
}

YAML::Node seed_at(const YAML::Node& seed, const Steps& steps) {
  YAML::Node node = YAML::Clone(seed);
  for (const auto& step : steps) {
    YAML::Node next =
        step == "[]" ? (node.IsSequence() && node.size() > 0 ? node[0] : YAML::Node()) : child_of(node, step);
    node.reset(next);  // rebinds; `node = next` would write into the seed
  }
  return node;
}

// A probe document: `seed` with `leaf` placed at `steps[from...]` (a list's
// first item for "[]"); the leaf keeps its identity, which is what the probe
// knows it by.
YAML::Node probe_document(const YAML::Node& seed, const Steps& steps, std::size_t from,
                          const YAML::Node& leaf) {
  if (from == steps.size()) return leaf;
  const std::string& step = steps[from];
  if (step == "[]") {
    YAML::Node list(YAML::NodeType::Sequence);
    const bool seeded = seed.IsDefined() && seed.IsSequence() && seed.size() > 0;
    list.push_back(probe_document(seeded ? seed[0] : YAML::Node(), steps, from + 1, leaf));
    return list;
  }
  YAML::Node map(YAML::NodeType::Map);
  if (seed.IsDefined() && seed.IsMap()) {
    for (const auto& entry : seed) {
      if (entry.first.Scalar() != step) map[entry.first.Scalar()] = YAML::Clone(entry.second);
    }
  }
  map[step] = probe_document(child_of(seed, step), steps, from + 1, leaf);
  return map;
}

std::string place_of(const std::string& section, const Steps& steps) {
  std::string place = section;
  for (const auto& step : steps) place += step == "[]" ? step : "." + step;
  return place;
}

std::string name_pattern() { return "^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,63}$"; }

std::string size_pattern() {
  std::string units;
  for (auto unit : providers::size_units()) units += (units.empty() ? "" : "|") + std::string(unit);
  return fmt::format("^[0-9]+ *({})?$", units);
}

// A scalar as YAML reads it for a JSON Schema validator: `0` and `on` are a
// number and a boolean to YAML 1.1 tools, where virtplan reads text.
json text_schema() { return {{"type", json::array({"string", "number", "boolean"})}}; }

// The schema of a scalar read one way; the most specific read wins (a name
// is read as a string first, a duration too).
std::optional<json> scalar_schema(const std::set<YamlRead>& reads,
                                  const std::optional<std::vector<std::string>>& choices) {
  if (choices) return json{{"enum", *choices}};
  if (reads.contains(YamlRead::name)) return json{{"type", "string"}, {"pattern", name_pattern()}};
  if (reads.contains(YamlRead::size)) {
    return json{
        {"anyOf", json::array({{{"type", "integer"}, {"minimum", 0}},
                               {{"type", "string"}, {"pattern", size_pattern()}}})},
        {"description", "a size: a number of bytes, or a number with a unit (512MiB, 20GiB, 1G = GiB)"}};
  }
  if (reads.contains(YamlRead::seconds)) {
    return json{{"anyOf", json::array({{{"type", "integer"}, {"minimum", 0}},
                                       {{"type", "string"}, {"pattern", "^[0-9]+ *[sm]?$"}}})}};
  }
  if (reads.contains(YamlRead::integer)) return json{{"type", "integer"}};
  if (reads.contains(YamlRead::boolean)) return json{{"type", "boolean"}};
  if (reads.contains(YamlRead::string)) return text_schema();
  return std::nullopt;
}

// What the probes of one place learned, joined over a section's seeds.
struct Learned {
  std::set<std::string> keys;
  std::set<YamlRead> reads;
  std::optional<std::vector<std::string>> choices;  // the union, in first-seen order
  bool map = false;
  bool sequence = false;
};

// ObjectProbe learns one section's object schema from its reader.
class ObjectProbe {
public:
  ObjectProbe(std::string section, ObjectReader read)
      : m_section(std::move(section)), m_read(std::move(read)), m_seeds(seeds_of(m_section)) {}

  // The schema of the map at `steps` (the object itself when empty).
  json map_at(const Steps& steps) const {
    const Learned learned = learn(steps, true);
    // A map keyed by numbers or names (`pin: {0: 2}`), or one passed on as
    // it is (inline cloud-init): any keys.
    if (learned.keys.empty() || learned.reads.contains(YamlRead::entries)) return {{"type", "object"}};
    json properties = json::object();
    for (const auto& key : learned.keys) {
      Steps inner = steps;
      inner.push_back(key);
      properties[key] = value_at(inner);
    }
    return {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  }

  // The schema of the value at `steps`: each form its reader takes.
  json value_at(const Steps& steps) const {
    const Learned learned = learn(steps, false);
    json forms = json::array();
    if (auto scalar = scalar_schema(learned.reads, learned.choices)) forms.push_back(*scalar);
    if (steps.size() < k_max_depth) {
      if (learned.map) forms.push_back(map_at(steps));
      if (learned.sequence) {
        Steps item = steps;
        item.push_back("[]");
        forms.push_back({{"type", "array"}, {"items", value_at(item)}});
      }
    }
    json schema = forms.size() == 1 ? forms[0] : forms.empty() ? json::object() : json{{"anyOf", forms}};
    annotate(schema, place_of(m_section, steps));
    return schema;
  }

private:
  // Runs the reader over a probe document per seed, with the probe's leaf at
  // `steps`: a map (the seed's own there, if any) when `as_map`, else the
  // probe text.
  Learned learn(const Steps& steps, bool as_map) const {
    Learned learned;
    for (const YAML::Node& seed : m_seeds) {
      YAML::Node leaf(k_probe_text);
      if (as_map) {
        YAML::Node seeded = seed_at(seed, steps);
        leaf = seeded.IsDefined() && seeded.IsMap() ? seeded : YAML::Node(YAML::NodeType::Map);
      }
      YamlProbe probe;
      m_read(probe_document(seed, steps, 0, leaf));
      learned.keys.merge(probe.keys_of(leaf));
      learned.reads.merge(probe.reads_of(leaf));
      if (auto choices = probe.choices_of(leaf)) {
        if (!learned.choices) learned.choices.emplace();
        for (auto& choice : *choices) {
          if (std::ranges::find(*learned.choices, choice) == learned.choices->end())
            learned.choices->push_back(std::move(choice));
        }
      }
      learned.map = learned.map || probe.reads_of(leaf).contains(YamlRead::map) || probe.looked_for_map(leaf);
      learned.sequence = learned.sequence || probe.reads_of(leaf).contains(YamlRead::sequence) ||
                         probe.looked_for_sequence(leaf);
    }
    return learned;
  }

private:
  static void annotate(json& schema, const std::string& place) {
    const SchemaNote* note = schema_note(place);
    if (note == nullptr) return;
    schema["description"] = std::string(note->description);
    if (!note->default_json.empty()) schema["default"] = json::parse(note->default_json);
  }

  std::string m_section;
  ObjectReader m_read;
  std::vector<YAML::Node> m_seeds;
};

void quietly(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception&) {
    // A probe value a reader did not expect: what it asked so far counts.
  }
}

ObjectReader kind_reader(const providers::ResourceKind& kind) {
  return [&kind](const YAML::Node& root) {
    providers::YamlMap map(root, "schema", fmt::format("{}.probe", kind.kind()));
    providers::StackObject object;
    object.id = providers::ObjectId{std::string(kind.kind()), "probe", "probe"};
    providers::Diagnostics diags;
    quietly([&] { kind.parse(map, object, diags); });
  };
}

ObjectReader host_reader() {
  return [](const YAML::Node& root) {
    providers::Diagnostics diags;
    quietly([&] { planner::read_host("probe", providers::YamlValue(root, "schema"), diags); });
  };
}

// The keys the loader reads of every object before its kind: where it is
// placed (planner/stack_loader.cc, placement()).
void add_placement(json& object) {
  json host = {{"type", "string"}, {"pattern", name_pattern()}};
  object["properties"]["host"] = host;
  object["properties"]["hosts"] = {
      {"anyOf", json::array({{{"type", "array"}, {"items", host}, {"minItems", 1}, {"uniqueItems", true}},
                             {{"const", "all"}}})}};
  object["oneOf"] =
      json::array({{{"required", json::array({"host"})}}, {{"required", json::array({"hosts"})}}});
  for (const char* key : {"host", "hosts"}) {
    if (const SchemaNote* note = schema_note(fmt::format("placement.{}", key)))
      object["properties"][key]["description"] = std::string(note->description);
  }
}

// A domain's `placement:` beside `host: auto`, as StackLoaderRun::read_placement
// reads it (the loader, not the kind, so no probe sees it).
void add_automatic_placement(json& object) {
  const json name = {{"type", "string"}, {"pattern", name_pattern()}};
  json placement = {{"type", "object"},
                    {"additionalProperties", false},
                    {"properties",
                     {{"hosts", {{"type", "array"}, {"items", name}, {"minItems", 1}}},
                      {"strategy", {{"enum", json::array({"spread", "pack"})}, {"default", "spread"}}},
                      {"anti_affinity", name},
                      {"affinity", name}}}};
  for (const char* key : {"hosts", "strategy", "anti_affinity", "affinity"}) {
    if (const SchemaNote* note = schema_note(fmt::format("placement.placement.{}", key)))
      placement["properties"][key]["description"] = std::string(note->description);
  }
  if (const SchemaNote* note = schema_note("placement.placement"))
    placement["description"] = std::string(note->description);
  object["properties"]["placement"] = placement;
}

// The keys of replica groups, read by the loader before any kind
// (planner/replica_groups.h): a domain's `count:`, `addresses:` and
// `max_unavailable:`, a volume's `per_member:`.
void add_group_keys(json& object, const std::string& section) {
  auto describe = [](json& value, const std::string& place) {
    if (const SchemaNote* note = schema_note(place)) value["description"] = std::string(note->description);
  };
  if (section == k_profile_users) {
    json& count = object["properties"]["count"] = {{"type", "integer"}, {"minimum", 0}, {"maximum", 1000}};
    describe(count, "domains.count");
    json addresses = {{"type", "object"},
                      {"additionalProperties", false},
                      {"required", json::array({"network", "range"})},
                      {"properties",
                       {{"network", {{"type", "string"}, {"pattern", name_pattern()}}},
                        {"range", {{"type", "string"}, {"pattern", "^[0-9.]+-[0-9.]+$"}}}}}};
    describe(addresses, "domains.addresses");
    describe(addresses["properties"]["network"], "domains.addresses.network");
    describe(addresses["properties"]["range"], "domains.addresses.range");
    object["properties"]["addresses"] = addresses;
    json& max_unavailable = object["properties"]["max_unavailable"] = {
        {"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 1}};
    describe(max_unavailable, "domains.max_unavailable");
  } else if (section == "volumes") {
    json& per_member = object["properties"]["per_member"] = {{"type", "boolean"}, {"default", false}};
    describe(per_member, "volumes.per_member");
  }
}

json section_of(const json& object, const std::string& section) {
  json out = {{"type", json::array({"object", "null"})},
              {"propertyNames", {{"pattern", name_pattern()}}},
              {"additionalProperties", object}};
  if (const SchemaNote* note = schema_note(section)) out["description"] = std::string(note->description);
  return out;
}

}  // namespace

json stack_schema(const providers::KindRegistry& kinds) {
  json sections = json::object();
  sections[k_stack_key] = {{"type", "string"}, {"pattern", name_pattern()}};
  if (const SchemaNote* note = schema_note(k_stack_key))
    sections[k_stack_key]["description"] = std::string(note->description);
  sections[k_hosts_section] =
      section_of(ObjectProbe(k_hosts_section, host_reader()).map_at({}), k_hosts_section);
  for (const providers::ResourceKind* kind : kinds.kinds()) {
    const std::string section(kind->section());
    json object = ObjectProbe(section, kind_reader(*kind)).map_at({});
    if (section == k_profile_users) {
      // A profile holds its users' settings, any of them, none required.
      sections[k_profiles_section] = section_of(object, k_profiles_section);
      object["properties"]["profile"] = {{"type", "string"}, {"pattern", name_pattern()}};
      if (const SchemaNote* note = schema_note("placement.profile"))
        object["properties"]["profile"]["description"] = std::string(note->description);
    }
    add_placement(object);
    if (section == k_profile_users) add_automatic_placement(object);
    add_group_keys(object, section);
    sections[section] = section_of(object, section);
  }
  return {
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"$id", "https://virtplan.invalid/schema/virtplan-stack.schema.json"},
      {"title", "virtplan stack"},
      {"description",
       "A virtplan stack file (generated by `virtplan schema` from the loader's readers; do not edit)"},
      {"type", "object"},
      {"required", json::array({k_stack_key})},
      {"properties", sections},
      {"additionalProperties", false},
  };
}

std::string stack_schema_text(const providers::KindRegistry& kinds) {
  return stack_schema(kinds).dump(2) + "\n";
}

}  // namespace virtplan::cli
