#pragma once

// YamlProbe records, while one lives on the thread, how the stack readers read
// each YAML node: which keys a map is asked for (YamlMap::get, allow), how a
// value is read (as a string, a size, one of an enum's values, a map, a list),
// and whether a reader looked for a map or a list before reading. The schema
// generator (cli/stack_schema.h) runs the kinds' own readers over probe
// documents and writes the JSON Schema from what they asked, so the schema
// cannot drift from what the loader accepts. With no probe alive (every real
// load) recording is one thread-local pointer test.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// How a reader read one value.
enum class YamlRead { string, name, integer, boolean, size, seconds, choice, map, sequence, entries };

class YamlProbe {
public:
  YamlProbe();
  ~YamlProbe();
  YamlProbe(const YamlProbe&) = delete;
  YamlProbe& operator=(const YamlProbe&) = delete;

  // The keys asked of map `node`, sorted.
  std::set<std::string> keys_of(const YAML::Node& node) const;
  // How `node` was read; empty when no reader's accessor touched it (a value
  // passed on as raw YAML, like cpu topology).
  std::set<YamlRead> reads_of(const YAML::Node& node) const;
  // The values an enum read of `node` allowed.
  std::optional<std::vector<std::string>> choices_of(const YAML::Node& node) const;
  // Whether a reader asked if `node` is a map (or a list): an alternative form.
  bool looked_for_map(const YAML::Node& node) const;
  bool looked_for_sequence(const YAML::Node& node) const;

  // Called by YamlMap and YamlValue; no-ops when no probe is alive.
  static void key(const YAML::Node& map, std::string_view key);
  static void read(const YAML::Node& node, YamlRead how);
  static void choices(const YAML::Node& node, std::vector<std::string> allowed);
  static void looked(const YAML::Node& node, YamlRead form);

private:
  struct Note {
    YAML::Node node;
    std::string key;  // for a key asked
    std::optional<YamlRead> read;
    bool looked = false;
    std::vector<std::string> choices;
  };
  std::vector<Note> m_notes;
  YamlProbe* m_outer = nullptr;
};

}  // namespace virtplan::providers
