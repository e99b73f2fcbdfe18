#include "planner/data_safety.h"

#include "providers/human_size.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace virtplan::planner {

using providers::ObjectId;

namespace {

std::string verb(Action action) {
  return action == Action::replace ? "replaced" : "destroyed";
}

// Why the change must not be made, or nothing.
std::optional<std::string> refuse(const providers::ResourceKind& kind, const Change& change,
                                  const std::set<ObjectId>& destroyed) {
  const bool losing = change.action == Action::destroy || change.action == Action::replace;
  if (losing && (kind.is_protected(change.before) || kind.is_protected(change.after))) {
    return fmt::format("{}: is protected (protect: true) and would be {}; it is left alone (set "
                       "protect: false and apply first to allow it)",
                       change.id.address(), verb(change.action));
  }
  if (losing) {
    std::vector<std::string> holders;
    for (const providers::Hold& hold : kind.holds(change.id, change.before, change.action == Action::replace)) {
      if (!destroyed.contains(hold.holder)) {
        holders.push_back(fmt::format("{} ({})", hold.holder.address(), hold.how));
      }
    }
    std::sort(holders.begin(), holders.end());
    if (!holders.empty()) {
      return fmt::format("{}: would be {} but is held by {}; it is left alone", change.id.address(),
                         verb(change.action), fmt::join(holders, ", "));
    }
  }
  if (change.action == Action::update || change.action == Action::replace) {
    if (auto why = kind.refusal(change.before, change.after)) {
      return fmt::format("{}: {}; it is left alone", change.id.address(), *why);
    }
  }
  return std::nullopt;
}

}  // namespace

void check_data_safety(std::vector<Change>& changes, const KindLookup& kinds,
                       std::vector<std::string>& errors) {
  std::set<ObjectId> destroyed;
  for (const Change& change : changes) {
    if (change.action == Action::destroy) destroyed.insert(change.id);
  }
  std::vector<Change> kept;
  for (Change& change : changes) {
    const providers::ResourceKind* kind = kinds(change.id.kind);
    if (kind == nullptr) {
      kept.push_back(std::move(change));
      continue;
    }
    if (auto why = refuse(*kind, change, destroyed)) {
      errors.push_back(*why);
      continue;
    }
    if (change.action == Action::destroy || change.action == Action::replace) {
      if (auto bytes = kind->data_at_risk(change.before)) {
        change.reasons.push_back(fmt::format("DATA LOSS: {}", providers::human_size(*bytes)));
      }
    }
    kept.push_back(std::move(change));
  }
  changes = std::move(kept);
}

}  // namespace virtplan::planner
