#pragma once

// Change is the plan for one object: its action, each changed field with its
// impact, and why. `before` is the observed spec (null for a create) and
// `after` the desired spec (null for a destroy); for a no-op they are equal.
// apply checks `before` against the host again to refuse a stale plan.

#include "planner/action.h"
#include "providers/kind/field_change.h"
#include "providers/kind/object_id.h"
#include "providers/kind/resource_kind.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace virtplan::planner {

using FieldChange = providers::FieldChange;

struct Change {
  providers::ObjectId id;
  Action action = Action::no_op;
  providers::Impact impact = providers::Impact::none;  // the largest of the fields'
  std::vector<std::string> reasons;                    // why a replace, what blocks, data loss
  std::vector<FieldChange> fields;                     // sorted by path
  nlohmann::json before;
  nlohmann::json after;

  bool operator==(const Change&) const = default;
};

}  // namespace virtplan::planner
