#include "planner/diff.h"

#include "planner/data_safety.h"
#include "planner/migration_plan.h"
#include "planner/plan.h"
#include "planner/rolling.h"
#include "planner/sensitive.h"
#include "planner/spec_diff.h"
#include "planner/unread_host.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace virtplan::planner {

using providers::Impact;
using providers::ObjectId;
using providers::StackObject;

namespace {

Impact largest_impact(const std::vector<FieldChange>& fields) {
  Impact impact = Impact::none;
  for (const FieldChange& f : fields) impact = std::max(impact, f.impact);
  return impact;
}

std::vector<std::string> replace_reasons(const std::vector<FieldChange>& fields) {
  std::vector<std::string> reasons;
  for (const FieldChange& f : fields) {
    if (f.impact == Impact::replace) {
      // Reasons are printed as they are: secrets (user-data) masked here.
      auto shown = [&](const nlohmann::json& v) {
        return is_sensitive_path(f.path) && !v.is_null() ? nlohmann::json(k_sensitive).dump()
                                                         : mask_sensitive(v).dump();
      };
      reasons.push_back(
          fmt::format("{} {} -> {} forces replacement", f.path, shown(f.before), shown(f.after)));
    }
  }
  return reasons;
}

std::string not_ours_error(const std::string& stack, const ObservedObject& found) {
  const std::string address = found.id.address();
  if (found.ownership == Ownership::foreign) {
    return fmt::format("{}: exists and belongs to stack '{}', not '{}'; it is left alone", address,
                       found.owner, stack);
  }
  return fmt::format("{}: exists on {} but is not owned by stack '{}'; adopt it with: virtplan import {}",
                     address, found.id.host, stack, address);
}

Change planned_change(const providers::ResourceKind& kind, const StackObject& want,
                      const ObservedObject& found) {
  Change change;
  change.id = want.id;
  change.after = kind.reconcile(want.spec, found.spec);
  change.before = compared_part(change.after, found.spec);
  change.observed = found.spec;
  change.fields = diff_specs(kind, change.after, found.spec);
  change.action = choose_action(change.fields);
  change.impact = largest_impact(change.fields);
  if (change.action == Action::replace) change.reasons = replace_reasons(change.fields);
  if (change.action == Action::update) change.reasons = kind.update_notes(found.spec, change.after);
  return change;
}

std::vector<std::string> unmanaged_warnings(const ObservedState& observed) {
  std::vector<std::string> warnings;
  for (const UnrepresentableObject& object : observed.unrepresentable) {
    warnings.push_back(
        fmt::format("{}: unmanaged, left alone: {}", object.id.qualified_address(), object.why));
  }
  return warnings;  // sorted: observe() sorts them by id
}

}  // namespace

Action choose_action(const std::vector<FieldChange>& fields) {
  if (fields.empty()) return Action::no_op;
  return largest_impact(fields) == Impact::replace ? Action::replace : Action::update;
}

DiffResult diff(const std::string& stack, const std::vector<StackObject>& desired,
                const ObservedState& observed, const KindLookup& kinds, const GroupMembers& members) {
  std::map<ObjectId, const ObservedObject*> found;
  for (const ObservedObject& o : observed.objects) found.emplace(o.id, &o);

  std::vector<Change> changes;
  std::vector<std::string> errors;
  const auto not_planned = unread_objects(desired, observed.unread);
  for (const auto& [host, why] : observed.unread) {
    errors.push_back(unread_summary(host, why, "its objects are not planned", not_planned));
  }

  std::set<ObjectId> declared;
  std::map<ObjectId, std::string> in_the_way;  // refused unless a shared pool's migration explains it
  for (const StackObject& want : desired) {
    declared.insert(want.id);
    if (observed.unread.contains(want.id.host)) continue;
    const providers::ResourceKind* kind = kinds(want.id.kind);
    if (kind == nullptr) {
      errors.push_back(fmt::format("{}: unknown kind '{}'", want.id.address(), want.id.kind));
      continue;
    }
    auto it = found.find(want.id);
    if (it == found.end()) {
      changes.push_back(Change{want.id, Action::create, Impact::none, {}, {}, nullptr, want.spec});
    } else if (it->second->ownership != Ownership::ours) {
      in_the_way.emplace(want.id, not_ours_error(stack, *it->second));
    } else {
      changes.push_back(planned_change(*kind, want, *it->second));
    }
  }

  // What the stack owns but no longer declares is destroyed.
  for (const ObservedObject& o : observed.objects) {
    if (o.ownership == Ownership::ours && !declared.contains(o.id)) {
      changes.push_back(Change{o.id, Action::destroy, Impact::none, {}, {}, o.spec, nullptr});
    }
  }

  const std::set<ObjectId> shared = plan_migrations(changes, desired, observed, kinds);
  for (auto& [id, error] : in_the_way) {
    // A volume moving through a shared pool: the destination sees the very
    // file, owned by no stack there yet (another stack's is still refused).
    if (shared.contains(id) && found.at(id)->ownership == Ownership::unowned) continue;
    errors.push_back(std::move(error));
  }
  mark_group_members(changes, members);
  check_data_safety(changes, kinds, errors);
  std::sort(errors.begin(), errors.end());
  return DiffResult{Plan(stack, std::move(changes)), std::move(errors), unmanaged_warnings(observed)};
}

}  // namespace virtplan::planner
