#include "providers/kind/field_rules.h"

#include "providers/base/json_path.h"

#include <algorithm>
#include <set>
#include <string>

namespace virtplan::providers {

const FieldRule& FieldRules::rule_for(std::string_view path, const nlohmann::json& before,
                                      const nlohmann::json& after) const {
  static constexpr FieldRule k_unmatched{"/**", Impact::restart};
  const JsonPath field = JsonPath::parse(path);
  for (const FieldRule& rule : m_rules) {
    if (field.matches(rule.pattern) && (rule.when == nullptr || rule.when(before, after))) return rule;
  }
  return k_unmatched;
}

Impact FieldRules::impact(std::string_view path, const nlohmann::json& before, const nlohmann::json& after,
                          Running running) const {
  if (before == after) return Impact::none;
  if (!before.is_object() || !after.is_object()) {
    const FieldRule& rule = rule_for(path, before, after);
    // Nothing runs to restart or change live: the new config is read at the
    // next start.
    const bool config_only =
        rule.impact == Impact::restart || (rule.impact == Impact::live && !rule.acts_when_stopped);
    return running == Running::no && config_only ? Impact::config : rule.impact;
  }
  std::set<std::string> keys;
  for (const auto& item : before.items()) keys.insert(item.key());
  for (const auto& item : after.items()) keys.insert(item.key());
  static const nlohmann::json k_null;
  const JsonPath parent = JsonPath::parse(path);
  Impact worst = Impact::none;
  for (const std::string& key : keys) {
    worst = std::max(worst, impact(parent.child(key).str(), before.contains(key) ? before[key] : k_null,
                                   after.contains(key) ? after[key] : k_null, running));
  }
  return worst;
}

bool item_added(const nlohmann::json& before, const nlohmann::json& after) {
  return before.is_null() && !after.is_null();
}

bool item_removed(const nlohmann::json& before, const nlohmann::json& after) {
  return !before.is_null() && after.is_null();
}

}  // namespace virtplan::providers
