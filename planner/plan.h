#pragma once

// Plan is what would change, where, and how disruptively: one Change per
// object the stack declares or owns, sorted by address so every rendering is
// stable. It is a value: made by diff(), rendered as text or JSON, saved to a
// file and applied later.

#include "providers/kind/field_change.h"
#include "providers/kind/object_id.h"
#include "providers/kind/resource_kind.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// Action is what a plan does to one object, chosen by choose_action() from
// what exists, who owns it and how disruptive its changes are.
enum class Action {
  no_op,    // exists, owned, nothing to change
  create,   // declared, not on the host
  update,   // declared, owned, some fields differ (impact live, config or restart)
  replace,  // declared, owned, a field can only change by destroy + create
  destroy,  // owned by the stack, no longer declared
  migrate,  // owned on one host, declared on another: moved there (planner/migration_plan.h)
};

std::string_view to_string(Action action);
std::optional<Action> action_from_string(std::string_view text);

// The words for providers::Impact in plans: "live", "config", "restart",
// "replace".
std::string_view to_string(providers::Impact impact);
std::optional<providers::Impact> impact_from_string(std::string_view text);

using FieldChange = providers::FieldChange;

// Change is the plan for one object: its action, each changed field with its
// impact, and why. `after` is the desired spec (null for a destroy) and
// `before` the part of the observed spec compared with it
// (planner::compared_part: like with like, so what libvirt adds by itself
// and the stack does not declare never reads as a removal), the whole
// observed spec for a destroy, null for a create; for a no-op they are
// equal. `observed` is the whole observed spec, what the engine reads (data
// safety, a pool's state) and what apply checks against the host again to
// refuse a stale plan (observed_spec(): `before` where a plan has none).
struct Change {
  providers::ObjectId id;
  Action action = Action::no_op;
  providers::Impact impact = providers::Impact::none;  // the largest of the fields'
  std::vector<std::string> reasons;                    // why a replace, what blocks, data loss
  std::vector<FieldChange> fields;                     // sorted by path
  nlohmann::json before;
  nlohmann::json after;
  nlohmann::json observed = nullptr;
  // A migrate only: the host the object moves to (its id names the host it
  // leaves), and, for an object that moves with another (a domain's volume),
  // that one's address: its step carries this one (planner/migration_plan.h).
  std::string destination = {};
  std::string moves_with = {};
  // A migrate only: the destination already held the object at plan time,
  // owned by this stack (a migration a crash cut short). Anything of its
  // name there when apply gets to it is otherwise refused, never replaced:
  // it appeared after the plan and is not ours.
  bool destination_ours = false;
  // A replica group member's domain: its group and the group's
  // max_unavailable. Its restart, replace or migrate is part of the group's
  // roll (planner/rolling.h). Empty and 0 otherwise.
  std::string group = {};
  int max_unavailable = 0;
  // A migrate only: the object runs on the source and moves live, running
  // throughout (planner/migration_plan.h).
  bool live = false;
  // A migrate only: the pools the object's moving volumes live in that are
  // the same storage on both hosts (ResourceKind::shares_storage): nothing in
  // them is copied, apply proves the sharing first, and the source's file is
  // never deleted. A volume's change names its own pool; its domain's, each.
  std::vector<std::string> shared_pools = {};

  const nlohmann::json& observed_spec() const { return observed.is_null() ? before : observed; }

  bool operator==(const Change&) const = default;
};

// PlanSummary counts changes by action, updates also by impact.
struct PlanSummary {
  int add = 0;
  int change = 0;
  int change_live = 0;
  int change_config = 0;
  int change_restart = 0;
  int replace = 0;
  int destroy = 0;
  int migrate = 0;
  int unchanged = 0;

  bool has_changes() const { return add + change + replace + destroy + migrate > 0; }
  bool operator==(const PlanSummary&) const = default;
};

class Plan {
public:
  Plan(std::string stack, std::vector<Change> changes);

  const std::string& stack() const { return m_stack; }
  const std::vector<Change>& changes() const { return m_changes; }
  PlanSummary summary() const;

  bool operator==(const Plan&) const = default;

private:
  std::string m_stack;
  std::vector<Change> m_changes;  // sorted by address
};

}  // namespace virtplan::planner
