#include "providers/base/yaml_map.h"

#include "providers/base/yaml_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace virtplan::providers {
namespace {

// What a node is, for "expected a map, got a list".
std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsMap()) {
    return "a map";
  }
  return fmt::format("'{}'", node.Scalar());
}

std::string with_context(std::string_view context, std::string_view message) {
  if (context.empty()) {
    return std::string(message);
  }
  return fmt::format("{}: {}", context, message);
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string text;
  for (auto word : words) {
    if (!text.empty()) {
      text += ", ";
    }
    text += word;
  }
  return text;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// so "memroy" is one edit from "memory".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool is_yaml_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '+' || c == '-';
}

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::uint64_t k_kib = 1024;
constexpr std::array<Unit, 13> k_units{{
    {"B", 1},
    {"KiB", k_kib},
    {"MiB", k_kib* k_kib},
    {"GiB", k_kib* k_kib* k_kib},
    {"TiB", k_kib* k_kib* k_kib* k_kib},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    // Bare letters are binary, as virsh and qemu-img read them.
    {"K", k_kib},
    {"M", k_kib* k_kib},
    {"G", k_kib* k_kib* k_kib},
    {"T", k_kib* k_kib* k_kib* k_kib},
}};

constexpr std::string_view k_unit_list = "KiB, MiB, GiB, TiB, KB, MB, GB, TB, K, M, G, T";

std::optional<std::uint64_t> unit_factor(std::string_view unit) {
  for (const auto& u : k_units) {
    if (u.name == unit) {
      return u.factor;
    }
  }
  return std::nullopt;
}

std::string unit_hint(std::string_view unit) {
  std::set<std::string, std::less<>> names;
  for (const auto& u : k_units) {
    names.emplace(u.name);
  }
  // Case is the usual slip ("gib"): suggest the unit that differs only in case.
  for (const auto& u : k_units) {
    if (u.name.size() == unit.size() &&
        std::equal(unit.begin(), unit.end(), u.name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return fmt::format(" (did you mean '{}'?)", u.name);
    }
  }
  if (auto match = closest_match(unit, names)) {
    return fmt::format(" (did you mean '{}'?)", *match);
  }
  return fmt::format(" (use {})", k_unit_list);
}

}  // namespace

SourceLocation location_of(const YAML::Mark& mark, const std::string& file) {
  SourceLocation where{file, 1, 1};
  if (mark.line >= 0 && mark.column >= 0) {
    where.line = mark.line + 1;
    where.column = mark.column + 1;
  }
  return where;
}

bool is_valid_name(std::string_view name) { return !name_problem(name).has_value(); }

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) {
    return std::string("invalid name '': a name may not be empty");
  }
  if (name.size() > 64) {
    return fmt::format("invalid name '{}': a name has at most 64 characters", name);
  }
  if (name.front() == '.' || name.front() == '-') {
    return fmt::format("invalid name '{}': a name may not start with '.' or '-'", name);
  }
  for (char c : name) {
    if (!is_yaml_name_char(c)) {
      return fmt::format("invalid name '{}': a name may hold only letters, digits, '.', '_', '+' and '-'",
                         name);
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> size_units() {
  std::vector<std::string_view> names;
  for (const auto& u : k_units) names.push_back(u.name);
  return names;
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::string* why) {
  auto fail_with = [&](std::string message) -> std::optional<std::uint64_t> {
    if (why != nullptr) {
      *why = fmt::format("invalid size '{}': {}", text, message);
    }
    return std::nullopt;
  };
  if (text.empty()) {
    return fail_with("expected a number of bytes or a number with a unit, such as 10GiB");
  }
  if (text.front() == '-') {
    return fail_with("a size may not be negative");
  }
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0) {
    return fail_with("expected a number of bytes or a number with a unit, such as 10GiB");
  }
  if (digits < text.size() && (text[digits] == '.' || text[digits] == ',')) {
    return fail_with("fractions are not supported (use a smaller unit, such as 1536MiB)");
  }
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (ec == std::errc::result_out_of_range) {
    return fail_with("too large (at most 2^64-1 bytes)");
  }
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') {
    unit.remove_prefix(1);  // "10 GiB" reads like "10GiB"
  }
  if (unit.empty()) {
    return number;
  }
  auto factor = unit_factor(unit);
  if (!factor) {
    return fail_with(fmt::format("unknown unit '{}'{}", unit, unit_hint(unit)));
  }
  if (number > std::numeric_limits<std::uint64_t>::max() / *factor) {
    return fail_with("too large (at most 2^64-1 bytes)");
  }
  return number * *factor;
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::set<std::string, std::less<>>& candidates) {
  // Close enough to be a typo: one edit in a short word, about a third of a long one.
  std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(word.size(), 12) / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  bool tied = false;
  for (const auto& candidate : candidates) {
    // The distance is at least the difference in length: skip the table
    // (and its memory, for a megabyte-long key) when that is already too far.
    std::size_t longer = std::max(word.size(), candidate.size());
    std::size_t shorter = std::min(word.size(), candidate.size());
    if (candidate == word || longer - shorter > limit) {
      continue;
    }
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
      tied = false;
    } else if (distance == best_distance) {
      tied = true;
    }
  }
  // Two equally likely words: a guess would mislead as often as it helps.
  return tied ? std::nullopt : best;
}

// ---- YamlValue ----

YamlValue::YamlValue(YAML::Node node, std::string file, std::string context)
    : m_node(std::move(node)), m_file(std::move(file)), m_context(std::move(context)) {}

YamlValue YamlValue::of_entry(const YAML::Node& key, const YAML::Node& value, std::string file,
                              std::string context) {
  YamlValue result(value, std::move(file), std::move(context));
  if (!value.IsDefined() || value.IsNull()) {
    result.m_where = location_of(key.Mark(), result.m_file);
  }
  return result;
}

SourceLocation YamlValue::where() const {
  if (m_where) {
    return *m_where;
  }
  if (!m_node.IsDefined()) {
    return SourceLocation{m_file, 1, 1};
  }
  return location_of(m_node.Mark(), m_file);
}

bool YamlValue::is_null() const { return !m_node.IsDefined() || m_node.IsNull(); }
bool YamlValue::is_scalar() const { return m_node.IsDefined() && m_node.IsScalar(); }
bool YamlValue::is_sequence() const {
  YamlProbe::looked(m_node, YamlRead::sequence);
  return m_node.IsDefined() && m_node.IsSequence();
}
bool YamlValue::is_map() const {
  YamlProbe::looked(m_node, YamlRead::map);
  return m_node.IsDefined() && m_node.IsMap();
}

void YamlValue::error(Diagnostics& diags, std::string_view message) const {
  diags.add(where(), with_context(m_context, message));
}

std::optional<std::string> YamlValue::as_string(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::string);
  if (!is_scalar()) {
    error(diags, fmt::format("expected a string, got {}", describe(m_node)));
    return std::nullopt;
  }
  return m_node.Scalar();
}

std::optional<std::int64_t> YamlValue::as_int(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::integer);
  if (!is_scalar()) {
    error(diags, fmt::format("expected an integer, got {}", describe(m_node)));
    return std::nullopt;
  }
  std::string_view text = m_node.Scalar();
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    error(diags, fmt::format("expected an integer, got {}", describe(m_node)));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlValue::as_bool(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::boolean);
  if (is_scalar()) {
    const std::string& text = m_node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      return false;
    }
  }
  error(diags, fmt::format("expected true or false, got {}", describe(m_node)));
  return std::nullopt;
}

std::optional<std::int64_t> YamlValue::as_seconds(Diagnostics& diags, std::string_view what,
                                                  std::int64_t least, std::int64_t most) const {
  YamlProbe::read(m_node, YamlRead::seconds);
  auto text = as_string(diags);
  if (!text) return std::nullopt;
  std::string_view digits(*text);
  std::int64_t unit = 1;
  if (digits.ends_with('s') || digits.ends_with('m')) {
    unit = digits.back() == 'm' ? 60 : 1;
    digits.remove_suffix(1);
    while (digits.ends_with(' ')) digits.remove_suffix(1);
  }
  std::int64_t count = -1;
  const auto [end, failed] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  const bool number = !digits.empty() && failed == std::errc() && end == digits.data() + digits.size() &&
                      count >= 0 && count <= 1'000'000;
  if (number && count * unit >= least && count * unit <= most) return count * unit;
  error(diags,
        fmt::format("{} '{}': expected seconds from {}s to {}s (as 120s or 2m)", what, *text, least, most));
  return std::nullopt;
}

std::optional<std::uint64_t> YamlValue::as_size(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::size);
  if (!is_scalar()) {
    error(diags, fmt::format("expected a size such as 10GiB, got {}", describe(m_node)));
    return std::nullopt;
  }
  std::string why;
  auto size = parse_size(m_node.Scalar(), &why);
  if (!size) {
    error(diags, why);
  }
  return size;
}

std::optional<std::vector<YamlValue>> YamlValue::as_sequence(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::sequence);
  if (!is_sequence()) {
    error(diags, fmt::format("expected a list, got {}", describe(m_node)));
    return std::nullopt;
  }
  std::vector<YamlValue> items;
  for (const auto& item : m_node) {
    items.emplace_back(item, m_file, m_context);
  }
  return items;
}

std::optional<YamlMap> YamlValue::as_map(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::map);
  if (!is_map()) {
    error(diags, fmt::format("expected a map, got {}", describe(m_node)));
    return std::nullopt;
  }
  return YamlMap(m_node, m_file, m_context);
}

std::optional<std::string> YamlValue::as_enum(Diagnostics& diags,
                                              std::initializer_list<std::string_view> allowed) const {
  YamlProbe::choices(m_node, std::vector<std::string>(allowed.begin(), allowed.end()));
  if (!is_scalar()) {
    error(diags, fmt::format("expected one of {}, got {}", join(allowed), describe(m_node)));
    return std::nullopt;
  }
  const std::string& text = m_node.Scalar();
  if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) {
    return text;
  }
  std::set<std::string, std::less<>> candidates(allowed.begin(), allowed.end());
  std::string hint;
  if (auto match = closest_match(text, candidates)) {
    hint = fmt::format(" (did you mean '{}'?)", *match);
  }
  error(diags, fmt::format("expected one of {}, got '{}'{}", join(allowed), text, hint));
  return std::nullopt;
}

std::optional<std::string> YamlValue::as_name(Diagnostics& diags) const {
  YamlProbe::read(m_node, YamlRead::name);
  auto text = as_string(diags);
  if (!text) {
    return std::nullopt;
  }
  if (auto problem = name_problem(*text)) {
    error(diags, *problem);
    return std::nullopt;
  }
  return text;
}

// ---- YamlMap ----

YamlMap::YamlMap(YAML::Node node, std::string file, std::string context)
    : m_node(std::move(node)),
      m_file(std::move(file)),
      m_context(std::move(context)),
      m_known(std::make_shared<std::set<std::string, std::less<>>>()) {}

SourceLocation YamlMap::where() const {
  if (!m_node.IsDefined()) {
    return SourceLocation{m_file, 1, 1};
  }
  return location_of(m_node.Mark(), m_file);
}

void YamlMap::error(Diagnostics& diags, std::string_view message) const {
  diags.add(where(), with_context(m_context, message));
}

void YamlMap::set_defaults(YamlMap defaults) { m_defaults = std::make_shared<YamlMap>(std::move(defaults)); }

std::optional<YamlValue> YamlMap::get(std::string_view key) {
  YamlProbe::key(m_node, key);
  m_known->emplace(key);
  // Asked of the defaults too, even when this map has the key, so that the
  // defaults do not report it as unknown.
  std::optional<YamlValue> fallback;
  if (m_defaults) {
    fallback = m_defaults->get(key);
  }
  if (!m_node.IsDefined() || !m_node.IsMap()) {
    return fallback;
  }
  // Iterate rather than node[key]: operator[] on a non-const node inserts.
  // A duplicate key is reported by the loader; the first one wins here.
  for (const auto& entry : m_node) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      return YamlValue::of_entry(entry.first, entry.second, m_file, m_context);
    }
  }
  return fallback;
}

void YamlMap::allow(std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    YamlProbe::key(m_node, key);
    m_known->emplace(key);
  }
  if (m_defaults) {
    m_defaults->allow(keys);
  }
}

std::vector<std::pair<YamlValue, YamlValue>> YamlMap::entries() {
  YamlProbe::read(m_node, YamlRead::entries);
  std::vector<std::pair<YamlValue, YamlValue>> items;
  if (!m_node.IsDefined() || !m_node.IsMap()) {
    return items;
  }
  std::set<std::string, std::less<>> own;
  for (const auto& entry : m_node) {
    if (entry.first.IsScalar()) {
      m_known->emplace(entry.first.Scalar());
      own.emplace(entry.first.Scalar());
    }
    items.emplace_back(YamlValue(entry.first, m_file, m_context),
                       YamlValue::of_entry(entry.first, entry.second, m_file, m_context));
  }
  if (m_defaults) {
    for (auto& [key, value] : m_defaults->entries()) {
      if (!key.is_scalar() || !own.contains(key.node().Scalar())) {
        items.emplace_back(std::move(key), std::move(value));
      }
    }
  }
  return items;
}

void YamlMap::report_unknown(Diagnostics& diags, std::string_view context) const {
  if (m_defaults) {
    m_defaults->report_unknown(diags);
  }
  if (!m_node.IsDefined() || !m_node.IsMap()) {
    return;
  }
  std::string_view prefix = context.empty() ? std::string_view(m_context) : context;
  for (const auto& entry : m_node) {
    const YAML::Node& key = entry.first;
    SourceLocation where = location_of(key.Mark(), m_file);
    if (!key.IsScalar()) {
      diags.add(where, with_context(prefix, "a key must be a plain string, not a list or a map"));
      continue;
    }
    if (m_known->contains(key.Scalar())) {
      continue;
    }
    std::string hint;
    if (auto match = closest_match(key.Scalar(), *m_known)) {
      hint = fmt::format(" (did you mean '{}'?)", *match);
    }
    diags.add(where, with_context(prefix, fmt::format("unknown key '{}'{}", key.Scalar(), hint)));
  }
}

}  // namespace virtplan::providers
