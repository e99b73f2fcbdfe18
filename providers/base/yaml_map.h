#pragma once

// YamlValue and YamlMap are how every resource kind reads its part of a stack:
// typed accessors that report errors with file:line:column into Diagnostics
// instead of throwing, and a map that remembers which keys were asked for, so
// that the keys nobody asked for are reported as unknown with a "did you mean"
// taken from the ones that were. yaml-cpp stays behind this adapter.

#include "providers/base/diagnostics.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace virtplan::providers {

class YamlMap;

// YamlValue is one value of a stack file with its place in the file.
class YamlValue {
public:
  // `context` names the object being read ("domain.web"); messages about this
  // value and everything read through it start with it. Empty: no prefix.
  YamlValue(YAML::Node node, std::string file, std::string context = {});
  // The value of a `key: value` entry. An empty value (`web:`) is placed at
  // its key: yaml-cpp marks it after the line.
  static YamlValue of_entry(const YAML::Node& key, const YAML::Node& value, std::string file,
                            std::string context = {});

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
  // A duration: seconds bare (`30`) or with a unit (`30s`, `2m`), from `least`
  // to `most` seconds; otherwise reports
  //   "wait timeout '2h': expected seconds from 1s to 3600s (as 120s or 2m)"
  // where `what` names the setting.
  std::optional<std::int64_t> as_seconds(Diagnostics& diags, std::string_view what, std::int64_t least,
                                         std::int64_t most) const;
  std::optional<std::vector<YamlValue>> as_sequence(Diagnostics& diags) const;
  std::optional<YamlMap> as_map(Diagnostics& diags) const;
  // A string that must be one of `allowed`; otherwise reports
  //   "expected one of bios, uefi, got 'uefl' (did you mean 'uefi'?)"
  std::optional<std::string> as_enum(Diagnostics& diags,
                                     std::initializer_list<std::string_view> allowed) const;
  // A string that follows the names rule (see is_valid_name); otherwise reports
  //   "invalid name '-x': ..." and returns nullopt.
  std::optional<std::string> as_name(Diagnostics& diags) const;

  // Reports `message` at this value's place, prefixed with the context.
  void error(Diagnostics& diags, std::string_view message) const;
  const std::string& context() const { return m_context; }

  // The raw node, for the few readers that must walk arbitrary YAML
  // (inline cloud-init user-data is passed through as it is).
  const YAML::Node& node() const { return m_node; }
  const std::string& file() const { return m_file; }

private:
  friend class YamlMap;

  YAML::Node m_node;
  std::string m_file;
  std::string m_context;
  // yaml-cpp places an empty value (`key:`) after the line it is on; such a
  // value is reported at its key instead.
  std::optional<SourceLocation> m_where;
};

// YamlMap is one YAML mapping being read by a kind or the loader: it remembers
// which keys were asked for, so the rest can be reported as unknown.
class YamlMap {
public:
  // `node` must be a map (YamlValue::as_map checks that). `context` as in YamlValue.
  YamlMap(YAML::Node node, std::string file, std::string context = {});

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
  // When `context` is empty the map's own context is used.
  void report_unknown(Diagnostics& diags, std::string_view context = {}) const;

  // Keys this map lacks are read from `defaults` instead (a domain's
  // profile): a shallow merge, the map's own keys win whole. Values read from
  // `defaults` keep their own file, place and context, so errors in them
  // point into the profile; report_unknown() reports the defaults' unknown
  // keys too.
  void set_defaults(YamlMap defaults);

  // Reports `message` at the map's place, prefixed with the context.
  void error(Diagnostics& diags, std::string_view message) const;
  const std::string& context() const { return m_context; }
  void set_context(std::string context) { m_context = std::move(context); }

  const YAML::Node& node() const { return m_node; }
  const std::string& file() const { return m_file; }

private:
  YAML::Node m_node;
  std::string m_file;
  std::string m_context;
  std::shared_ptr<YamlMap> m_defaults;
  // Shared so that copies of one map (passed from the planner to a kind) agree
  // on what was read.
  std::shared_ptr<std::set<std::string, std::less<>>> m_known;
};

// The closest of `candidates` to `word` when it is close enough to be a likely
// typo (edit distance), for "did you mean" messages.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::set<std::string, std::less<>>& candidates);

}  // namespace virtplan::providers

namespace virtplan::providers {

// The names rule for every object, host, profile and stack name: 1-64
// characters of letters, digits, '.', '_', '+', '-', not starting with '.' or
// '-' (stricter than libvirt, so names are safe in shells, paths and URLs).
bool is_valid_name(std::string_view name);
// Why `name` breaks the names rule, nullopt when it does not:
// "invalid name '-x': a name may not start with '.' or '-'".
std::optional<std::string> name_problem(std::string_view name);

// Reads a size with units (see YamlValue::as_size); the error says why not:
// "invalid size '12XB': unknown unit 'XB' (use KiB, MiB, GiB, TiB, KB, MB, GB, TB, K, M, G, T)".
std::optional<std::uint64_t> parse_size(std::string_view text, std::string* why = nullptr);
// The units parse_size() takes ("B", "KiB", ..., "T"), for the stack schema's size pattern.
std::vector<std::string_view> size_units();

// A SourceLocation for a yaml-cpp mark (0-based) in `file`; a missing mark is line 1, column 1.
SourceLocation location_of(const YAML::Mark& mark, const std::string& file);

}  // namespace virtplan::providers
