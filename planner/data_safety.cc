#include "planner/data_safety.h"

#include "providers/base/human_size.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace virtplan::planner {

using providers::Hold;
using providers::ObjectId;

namespace {

std::string verb(Action action) { return action == Action::replace ? "replaced" : "destroyed"; }

// What each object the plan changes will still use once the plan is carried
// out: nothing for a destroy or a migrate (its id is the object on the host it
// leaves, removed from there with what moves with it), what its new spec
// references for an update or a replace. The apply graph runs a change that
// lets go of an object before that object's destroy, so such a hold does not
// stand: an overlay that migrates away lets go of its base on the old host.
using StillUses = std::map<ObjectId, std::set<ObjectId>>;

StillUses still_uses(const std::vector<Change>& changes, const KindLookup& kinds) {
  StillUses out;
  for (const Change& change : changes) {
    if (change.action == Action::destroy || change.action == Action::migrate) out[change.id];
    if (change.action != Action::update && change.action != Action::replace) continue;
    const providers::ResourceKind* kind = kinds(change.id.kind);
    if (kind == nullptr) continue;
    auto& uses = out[change.id];
    for (const providers::Reference& ref :
         kind->references(providers::StackObject{change.id, change.after, {}, {}, {}}))
      uses.insert(ref.target);
  }
  return out;
}

// The holds on a change that stand: those whose holder the plan does not
// destroy, or change so that it no longer uses the held object.
std::vector<Hold> standing_holds(const providers::ResourceKind& kind, const Change& change,
                                 const StillUses& still) {
  std::vector<Hold> standing;
  for (Hold& hold : kind.holds(change.id, change.observed_spec(), change.action == Action::replace)) {
    auto changed = still.find(hold.holder);
    if (changed == still.end() || changed->second.contains(change.id)) standing.push_back(std::move(hold));
  }
  return standing;
}

std::string holders_text(const std::vector<Hold>& holds) {
  std::vector<std::string> holders;
  for (const Hold& hold : holds) holders.push_back(fmt::format("{} ({})", hold.holder.address(), hold.how));
  std::sort(holders.begin(), holders.end());
  return fmt::format("{}", fmt::join(holders, ", "));
}

bool all_forceable(const std::vector<Hold>& holds) {
  return std::all_of(holds.begin(), holds.end(),
                     [](const Hold& hold) { return hold.forceable == Hold::Forceable::yes; });
}

// Why the holds on a destroy or replace refuse it, or nothing. With
// Force::yes, holds that are all forceable let it go on, and the change gets
// a reason naming every holder it cuts off.
std::optional<std::string> refuse_held(const providers::ResourceKind& kind, Change& change,
                                       const StillUses& still, Force force) {
  const std::vector<Hold> holds = standing_holds(kind, change, still);
  if (holds.empty()) return std::nullopt;
  const std::string address = change.id.address();
  if (!all_forceable(holds)) {
    return fmt::format("{}: would be {} but is held by {}; it is left alone", address, verb(change.action),
                       holders_text(holds));
  }
  if (force == Force::yes) {
    change.reasons.push_back(fmt::format("FORCED: cuts off {}", holders_text(holds)));
    return std::nullopt;
  }
  return fmt::format(
      "{}: would be {} but is held by {}; it is left alone (`virtplan destroy --target {} --force` "
      "destroys it anyway, cutting them off)",
      address, verb(change.action), holders_text(holds), address);
}

// Why the change must not be made, or nothing.
std::optional<std::string> refuse(const providers::ResourceKind& kind, Change& change, const StillUses& still,
                                  Force force) {
  const bool losing = change.action == Action::destroy || change.action == Action::replace;
  if (losing && (kind.is_protected(change.observed_spec()) || kind.is_protected(change.after))) {
    return fmt::format(
        "{}: is protected (protect: true) and would be {}; it is left alone (set "
        "protect: false and apply first to allow it)",
        change.id.address(), verb(change.action));
  }
  if (losing) {
    if (auto why = refuse_held(kind, change, still, force)) return why;
  }
  if (change.action == Action::update || change.action == Action::replace) {
    if (auto why = kind.refusal(change.observed_spec(), change.after)) {
      return fmt::format("{}: {}; it is left alone", change.id.address(), *why);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> data_loss(const providers::ResourceKind& kind, const providers::Spec& observed) {
  std::vector<std::string> lost;
  if (auto bytes = kind.data_at_risk(observed)) lost.push_back(providers::human_size(*bytes));
  for (std::string& state : kind.lost_state(observed)) lost.push_back(std::move(state));
  if (lost.empty()) return std::nullopt;
  return fmt::format("{}", fmt::join(lost, ", "));
}

void check_data_safety(std::vector<Change>& changes, const KindLookup& kinds,
                       std::vector<std::string>& errors, Force force) {
  const StillUses still = still_uses(changes, kinds);
  std::vector<Change> kept;
  for (Change& change : changes) {
    const providers::ResourceKind* kind = kinds(change.id.kind);
    if (kind == nullptr) {
      kept.push_back(std::move(change));
      continue;
    }
    if (auto why = refuse(*kind, change, still, force)) {
      errors.push_back(*why);
      continue;
    }
    if (change.action == Action::destroy || change.action == Action::replace) {
      if (auto lost = data_loss(*kind, change.observed_spec()))
        change.reasons.push_back("DATA LOSS: " + *lost);
    }
    kept.push_back(std::move(change));
  }
  changes = std::move(kept);
}

}  // namespace virtplan::planner
