#pragma once

// FieldChange is one managed field that differs between what a host holds and
// what the stack declares, by JSON pointer into the spec ("/memory/current",
// "/disks/vdb"); before or after is null when the field (or collection item)
// is added or removed. The planner decides them (planner/spec_diff.h); the
// kinds' actuators read them to choose the cheapest way to apply a change.

#include "providers/kind/resource_kind.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace virtplan::providers {

struct FieldChange {
  std::string path;
  nlohmann::json before;
  nlohmann::json after;
  Impact impact = Impact::none;

  bool operator==(const FieldChange&) const = default;
};

// The live way of the rule `field` matches in its kind's `rules` (the table
// the plan read): what apply runs to make the change live; empty for none.
inline std::string_view live_way(const FieldRules& rules, const FieldChange& field) {
  return rules.rule_for(field.path, field.before, field.after).live;
}

}  // namespace virtplan::providers
