#pragma once

// YamlValue and YamlMap are how every resource kind reads its part of a stack:
// typed accessors that report errors with file:line:column into Diagnostics
// instead of throwing, and a map that remembers which keys were asked for, so
// that the keys nobody asked for are reported as unknown with a "did you mean"
// taken from the ones that were. yaml-cpp stays behind this adapter.

#include "providers/diagnostics.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace virtplan::providers {

class YamlMap;

class YamlValue {
public:
  YamlValue(YAML::Node node, std::string file);

  SourceLocation where() const;
  bool is_null() const;
  bool is_scalar() const;
  bool is_sequence() const;
  bool is_map() const;

  // Each accessor reports "expected a ..." at this value's place and returns
  // nullopt when the value has the wrong type.
  std::optional<std::string> as_string(Diagnostics& diags) const;
  std::optional<std::int64_t> as_int(Diagnostics& diags) const;
  std::optional<bool> as_bool(Diagnostics& diags) const;
  // A size with units: "512MiB", "20GiB", "1G" (= GiB), "10GB" (decimal); a bare number is bytes.
  std::optional<std::uint64_t> as_size(Diagnostics& diags) const;
  std::optional<std::vector<YamlValue>> as_sequence(Diagnostics& diags) const;
  std::optional<YamlMap> as_map(Diagnostics& diags) const;

  // The raw node, for the few readers that must walk arbitrary YAML
  // (inline cloud-init user-data is passed through as it is).
  const YAML::Node& node() const { return m_node; }
  const std::string& file() const { return m_file; }

private:
  YAML::Node m_node;
  std::string m_file;
};

class YamlMap {
public:
  YamlMap(YAML::Node node, std::string file);

  SourceLocation where() const;

  // The value at `key`, or nullopt when absent. Asking makes `key` a known key
  // (absent or not), which is what "did you mean" suggestions are drawn from.
  std::optional<YamlValue> get(std::string_view key);
  // Declares keys this reader accepts without reading them here.
  void allow(std::initializer_list<std::string_view> keys);

  // Every entry in file order, keys included, for maps keyed by names or
  // numbers (`pin: {0: 2}`). Marks all of them as read.
  std::vector<std::pair<YamlValue, YamlValue>> entries();

  // Reports each key that was never asked for:
  //   "unknown key 'memroy' (did you mean 'memory'?)"
  // `context` names the object ("domain.web"), or is empty.
  void report_unknown(Diagnostics& diags, std::string_view context = {}) const;

  const YAML::Node& node() const { return m_node; }
  const std::string& file() const { return m_file; }

private:
  YAML::Node m_node;
  std::string m_file;
  // Shared so that copies of one map (passed from the planner to a kind) agree
  // on what was read.
  std::shared_ptr<std::set<std::string, std::less<>>> m_known;
};

// The closest of `candidates` to `word` when it is close enough to be a likely
// typo (edit distance), for "did you mean" messages.
std::optional<std::string> closest_match(std::string_view word, const std::set<std::string, std::less<>>& candidates);

}  // namespace virtplan::providers
