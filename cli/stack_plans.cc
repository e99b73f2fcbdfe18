#include "cli/stack_plans.h"

#include "cli/kinds.h"
#include "planner/data_safety.h"
#include "planner/destroy_plan.h"

#include <algorithm>
#include <iterator>

namespace virtplan::cli {

planner::DiffResult diff_reached(const planner::Stack& stack, const planner::ObservedState& observed) {
  std::vector<providers::StackObject> reachable;
  std::copy_if(stack.objects.begin(), stack.objects.end(), std::back_inserter(reachable),
               [&](const providers::StackObject& o) { return !observed.unread.contains(o.id.host); });
  planner::ObservedState read = observed;
  read.unread.clear();
  return planner::diff(stack.name, reachable, read, kind_lookup(), stack.group_members);
}

planner::DiffResult guarded_destroy_plan(const planner::Stack& stack, const planner::ObservedState& observed,
                                         const std::vector<providers::ObjectId>& targets,
                                         planner::Force force) {
  auto plan = planner::destroy_plan(stack.name, observed, kind_lookup(), targets);
  if (!plan) return planner::DiffResult{planner::Plan(stack.name, {}), {plan.error().message()}};
  std::vector<planner::Change> changes = plan->changes();
  std::vector<std::string> errors;
  planner::check_data_safety(changes, kind_lookup(), errors, force);
  return planner::DiffResult{planner::Plan(stack.name, std::move(changes)), std::move(errors)};
}

}  // namespace virtplan::cli
