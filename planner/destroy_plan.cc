#include "planner/destroy_plan.h"

#include "providers/kind/object_address.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace virtplan::planner {

using providers::ObjectId;
using providers::Result;

namespace {

using Owned = std::map<ObjectId, const ObservedObject*>;

Owned owned_objects(const ObservedState& observed) {
  Owned owned;
  for (const ObservedObject& o : observed.objects) {
    if (o.ownership == Ownership::ours) owned.emplace(o.id, &o);
  }
  return owned;
}

// For each owned object, the owned objects whose observed spec references it.
std::map<ObjectId, std::vector<ObjectId>> users(const Owned& owned, const KindLookup& kinds) {
  std::map<ObjectId, std::vector<ObjectId>> out;
  for (const auto& [id, object] : owned) {
    const providers::ResourceKind* kind = kinds(id.kind);
    if (kind == nullptr) continue;
    for (const providers::Reference& ref :
         kind->references(providers::StackObject{id, object->spec, {}, {}, {}})) {
      if (owned.contains(ref.target)) out[ref.target].push_back(id);
    }
  }
  return out;
}

// The targets and, transitively, the owned objects that use them.
Result<std::set<ObjectId>> closure(const std::string& stack, const Owned& owned,
                                   const std::vector<ObjectId>& targets, const KindLookup& kinds) {
  const auto used_by = users(owned, kinds);
  std::set<ObjectId> chosen;
  std::vector<ObjectId> todo;
  std::vector<ObjectId> ids;
  for (const auto& [id, object] : owned) ids.push_back(id);
  for (const ObjectId& target : targets) {
    // `volume.NAME@HOST` names the owned volume of that name, in its pool.
    auto which = providers::resolve_address(target, ids);
    if (!which && which.error().code() != providers::ErrorCode::not_found)
      return std::unexpected(which.error());
    if (!which) {
      return providers::fail(providers::ErrorCode::not_found,
                             fmt::format("{}: not owned by stack '{}' (or its host could not be read); "
                                         "nothing to destroy",
                                         target.qualified_address(), stack));
    }
    todo.push_back(*which);
  }
  while (!todo.empty()) {
    ObjectId id = todo.back();
    todo.pop_back();
    if (!chosen.insert(id).second) continue;
    auto it = used_by.find(id);
    if (it != used_by.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  return chosen;
}

}  // namespace

Result<Plan> destroy_plan(const std::string& stack, const ObservedState& observed, const KindLookup& kinds,
                          const std::vector<ObjectId>& targets) {
  const Owned owned = owned_objects(observed);
  std::set<ObjectId> chosen;
  if (targets.empty()) {
    for (const auto& [id, object] : owned) chosen.insert(id);
  } else {
    auto picked = closure(stack, owned, targets, kinds);
    if (!picked) return std::unexpected(picked.error());
    chosen = std::move(*picked);
  }
  std::vector<Change> changes;
  for (const ObjectId& id : chosen) {
    changes.push_back(
        Change{id, Action::destroy, providers::Impact::none, {}, {}, owned.at(id)->spec, nullptr});
  }
  return Plan(stack, std::move(changes));
}

}  // namespace virtplan::planner
