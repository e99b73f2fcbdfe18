#include "planner/spec_diff.h"

#include "providers/base/json_path.h"

#include <algorithm>
#include <set>

namespace virtplan::planner {

using nlohmann::json;
using providers::Impact;

namespace {

enum class Level { top, nested };

// What every field change of one object is judged by.
struct Judge {
  const providers::ResourceKind& kind;
  providers::Running running;

  Impact impact(const std::string& path, const json& before, const json& after) const {
    return kind.impact(path, before, after, running);
  }
};

void diff_value(const Judge& kind, const std::string& path, const json& desired, const json& observed,
                Level level, std::vector<FieldChange>& out);

void diff_object(const Judge& kind, const std::string& path, const json& desired, const json& observed,
                 Level level, std::vector<FieldChange>& out) {
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

void diff_value(const Judge& kind, const std::string& path, const json& desired, const json& observed,
                Level level, std::vector<FieldChange>& out) {
  if (desired.is_object() && observed.is_object()) {
    diff_object(kind, path, desired, observed, level, out);
    return;
  }
  if (desired == observed) return;
  out.push_back(FieldChange{path, observed, desired, kind.impact(path, observed, desired)});
}

}  // namespace

std::vector<FieldChange> diff_specs(const providers::ResourceKind& kind_of, const providers::Spec& desired,
                                    const providers::Spec& observed) {
  const Judge kind{kind_of, kind_of.running(observed, desired)};
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

providers::Spec compared_part(const providers::Spec& desired, const providers::Spec& observed) {
  if (!desired.is_object() || !observed.is_object()) return observed;
  json part = json::object();
  for (const auto& item : observed.items()) {
    if (desired.contains(item.key())) part[item.key()] = item.value();
  }
  return part;
}

}  // namespace virtplan::planner
