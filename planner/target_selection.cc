#include "planner/target_selection.h"

#include "planner/apply_graph.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace virtplan::planner {

using providers::ObjectId;
using providers::Result;

namespace {

// The steps of `graph` the targets need, transitively, and the targets'.
std::set<ObjectId> needed(const ApplyGraph& graph, const std::vector<ObjectId>& targets) {
  std::map<ObjectId, std::size_t> index;
  for (std::size_t i = 0; i < graph.size(); ++i) index.emplace(graph.step(i).id, i);
  std::set<ObjectId> chosen;
  std::vector<std::size_t> todo;
  for (const ObjectId& target : targets) {
    if (auto it = index.find(target); it != index.end()) todo.push_back(it->second);
  }
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    if (!chosen.insert(graph.step(i).id).second) continue;
    todo.insert(todo.end(), graph.dependencies(i).begin(), graph.dependencies(i).end());
  }
  return chosen;
}

}  // namespace

Result<Plan> select_targets(const Plan& plan, const std::vector<ObjectId>& targets, const KindLookup& kinds) {
  std::vector<ObjectId> in_plan;
  for (const Change& c : plan.changes()) in_plan.push_back(c.id);
  // `volume.NAME@HOST` names the plan's volume of that name, in its pool; a
  // volume moving between pools is two changes: the pool says which.
  std::vector<ObjectId> resolved;
  for (const ObjectId& target : targets) {
    auto which = providers::resolve_address(target, in_plan);
    if (!which && which.error().code() != providers::ErrorCode::not_found) {
      return std::unexpected(which.error().with_context("--target"));
    }
    if (!which) {
      return providers::fail(
          providers::ErrorCode::not_found,
          fmt::format("--target {}: the stack neither declares nor owns it", target.qualified_address()));
    }
    resolved.push_back(*which);
  }
  auto graph = ApplyGraph::build(plan, kinds);
  if (!graph) return std::unexpected(graph.error());
  std::set<ObjectId> chosen = needed(*graph, resolved);
  chosen.insert(resolved.begin(), resolved.end());  // a target with nothing to do stays, as a no-op
  std::vector<Change> changes;
  for (const Change& c : plan.changes()) {
    if (chosen.contains(c.id)) changes.push_back(c);
  }
  return Plan(plan.stack(), std::move(changes));
}

}  // namespace virtplan::planner
