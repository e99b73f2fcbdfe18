#include "planner/spec_diff.h"

#include "providers/base/json_path.h"

#include <algorithm>
#include <set>

namespace virtplan::planner {

using nlohmann::json;

namespace {

enum class Level { top, nested };

void diff_value(const providers::ResourceKind& kind, const std::string& path, const json& desired,
                const json& observed, Level level, std::vector<FieldChange>& out);

void diff_object(const providers::ResourceKind& kind, const std::string& path, const json& desired,
                 const json& observed, Level level, std::vector<FieldChange>& out) {
  std::set<std::string> keys;
  for (const auto& item : desired.items()) keys.insert(item.key());
  if (level == Level::nested) {
    for (const auto& item : observed.items()) keys.insert(item.key());
  }
  static const json k_null;
  for (const std::string& key : keys) {
    const json& d = desired.contains(key) ? desired.at(key) : k_null;
    const json& o = observed.contains(key) ? observed.at(key) : k_null;
    diff_value(kind, path + "/" + providers::JsonPath::escape(key), d, o, Level::nested, out);
  }
}

void diff_value(const providers::ResourceKind& kind, const std::string& path, const json& desired,
                const json& observed, Level level, std::vector<FieldChange>& out) {
  if (desired.is_object() && observed.is_object()) {
    diff_object(kind, path, desired, observed, level, out);
    return;
  }
  if (desired == observed) return;
  out.push_back(FieldChange{path, observed, desired, kind.impact(path, observed, desired)});
}

}  // namespace

std::vector<FieldChange> diff_specs(const providers::ResourceKind& kind, const providers::Spec& desired,
                                    const providers::Spec& observed) {
  std::vector<FieldChange> out;
  if (desired.is_object() && observed.is_object()) {
    diff_object(kind, "", desired, observed, Level::top, out);
  } else if (desired != observed) {
    out.push_back(FieldChange{"", observed, desired, kind.impact("", observed, desired)});
  }
  std::sort(out.begin(), out.end(),
            [](const FieldChange& a, const FieldChange& b) { return a.path < b.path; });
  return out;
}

}  // namespace virtplan::planner
