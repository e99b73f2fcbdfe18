#include "planner/migration_plan.h"

#include "providers/base/human_size.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace virtplan::planner {

using providers::ObjectId;
using providers::StackObject;

namespace {

using Found = std::map<ObjectId, const ObservedObject*>;

// One object that moves: where it is (`from`, observed on A) and what the
// stack declares on B.
struct Move {
  const ObservedObject* from = nullptr;
  const StackObject* to = nullptr;
  // The pool it lives in when that is the same storage on both hosts
  // (ResourceKind::shares_storage): it moves without a copy. Empty otherwise.
  std::string shared_pool = {};
};

// The object `want` (declared on B) leaves: the one of its kind and name the
// stack owns on another host that does not declare it (the first by host).
const ObservedObject* source_of(const StackObject& want, const ObservedState& observed,
                                const std::set<ObjectId>& declared) {
  for (const ObservedObject& o : observed.objects) {
    if (o.id.kind == want.id.kind && o.id.name == want.id.name && o.id.host != want.id.host &&
        o.ownership == Ownership::ours && !declared.contains(o.id) && !observed.unread.contains(o.id.host)) {
      return &o;
    }
  }
  return nullptr;
}

// What `ref` names on its host: exactly, or (a reference read from a host
// without a pool) the one object of that kind and name there.
const ObservedObject* found_by(const ObjectId& ref, const ObservedState& observed, const Found& found) {
  if (auto it = found.find(ref); it != found.end()) return it->second;
  if (!ref.pool.empty()) return nullptr;
  const ObservedObject* only = nullptr;
  for (const ObservedObject& o : observed.objects) {
    if (o.id.kind == ref.kind && o.id.name == ref.name && o.id.host == ref.host) {
      if (only != nullptr) return nullptr;
      only = &o;
    }
  }
  return only;
}

// Whether nothing but `holder` holds `object` on its host.
bool held_only_by(const ObservedObject& object, const ObjectId& holder, const KindLookup& kinds) {
  const providers::ResourceKind* kind = kinds(object.id.kind);
  if (kind == nullptr) return false;
  for (const providers::Hold& hold : kind->holds(object.id, object.spec, false)) {
    if (hold.holder != holder) return false;
  }
  return true;
}

// The declared object on B that `ref` (a reference of the declaration on B)
// names.
const StackObject* declared_by(const ObjectId& ref, const std::map<ObjectId, const StackObject*>& desired) {
  if (auto it = desired.find(ref); it != desired.end()) return it->second;
  for (const auto& [id, object] : desired) {
    if (id.kind == ref.kind && id.name == ref.name && id.host == ref.host && ref.pool.empty()) return object;
  }
  return nullptr;
}

// The pool `volume` (on A) lives in when that pool is one storage seen from
// A and from B (its declarations there, A's as observed when the stack no
// longer declares it): the one rule is the pool kind's shares_storage.
std::string shared_pool_of(const ObjectId& volume, const std::string& to, const ObservedState& observed,
                           const Found& found, const std::map<ObjectId, const StackObject*>& desired,
                           const KindLookup& kinds) {
  const providers::ResourceKind* pools = kinds("pool");
  if (volume.pool.empty() || pools == nullptr) return {};
  const ObjectId here{"pool", volume.pool, volume.host};
  const ObjectId there{"pool", volume.pool, to};
  const providers::Spec* a = nullptr;
  if (auto d = desired.find(here); d != desired.end()) {
    a = &d->second->spec;
  } else if (const ObservedObject* o = found_by(here, observed, found)) {
    a = &o->spec;
  }
  auto b = desired.find(there);
  if (a == nullptr || b == desired.end()) return {};
  return pools->shares_storage(*a, b->second->spec) ? volume.pool : std::string();
}

// What moves with `carrier` (see the header): what it uses on A that only it
// holds, that the stack owns and no longer declares there, and that its
// declaration on B uses under the same pool and name.
std::vector<Move> carried(const Move& carrier, const ObservedState& observed, const Found& found,
                          const std::map<ObjectId, const StackObject*>& desired,
                          const std::set<ObjectId>& declared, const KindLookup& kinds) {
  const providers::ResourceKind* kind = kinds(carrier.from->id.kind);
  std::set<ObjectId> used_on_b;
  for (const providers::Reference& ref : kind->references(*carrier.to)) {
    if (const StackObject* target = declared_by(ref.target, desired)) used_on_b.insert(target->id);
  }
  std::vector<Move> out;
  std::set<ObjectId> seen;
  for (const providers::Reference& ref :
       kind->references(StackObject{carrier.from->id, carrier.from->spec, {}, {}, {}})) {
    const ObservedObject* used = found_by(ref.target, observed, found);
    if (used == nullptr || used->ownership != Ownership::ours || declared.contains(used->id)) continue;
    if (!seen.insert(used->id).second) continue;  // a volume on two disks moves once
    ObjectId there = used->id;
    there.host = carrier.to->id.host;
    auto wanted = desired.find(there);
    if (wanted == desired.end() || !used_on_b.contains(there)) continue;
    if (!held_only_by(*used, carrier.from->id, kinds)) continue;
    out.push_back(Move{used, wanted->second,
                       shared_pool_of(used->id, carrier.to->id.host, observed, found, desired, kinds)});
  }
  return out;
}

// The bytes a migration copies: what each moving object holds of its own
// (nothing of what lives in a shared pool).
std::uint64_t bytes_of(const std::vector<Move>& moves, const KindLookup& kinds) {
  std::uint64_t total = 0;
  for (const Move& move : moves) {
    if (!move.shared_pool.empty()) continue;
    const providers::ResourceKind* kind = kinds(move.from->id.kind);
    if (auto bytes = kind != nullptr ? kind->data_at_risk(move.from->spec) : std::nullopt) total += *bytes;
  }
  return total;
}

// What a moving volume's step copies: its bytes, or an overlay's own data
// (at most its capacity) over the base the destination holds or is given
// first (its kind's volume_base(): a volume the plan makes there, or an
// image apply fetches into its cache when declared by URL;
// kvm/migration_files.h checks the base at apply: the same bytes).
std::string copied(const Move& move, const providers::ResourceKind& kind, const std::string& carrier,
                   std::uint64_t bytes, const Found& found) {
  const std::optional<providers::VolumeBase> base = kind.volume_base(move.from->spec);
  if (!base) return fmt::format("with {}, {} copied", carrier, providers::human_size(bytes));
  const std::string& to = move.to->id.host;
  std::string lies_over;
  if (base->where == providers::VolumeBase::Where::image_cache) {
    lies_over = fmt::format("base image {} on {}", base->name.substr(0, 19), to);
    // Apply fetches an image by URL there first (KindActuator::prepare_carried).
    if (move.from->spec.contains("backing_url")) lies_over += ", fetched there unless cached";
  } else {
    // A volume of the overlay's pool: of its kind, in its pool, on `to`.
    const ObjectId there{move.from->id.kind, base->name, to, move.from->id.pool};
    lies_over =
        fmt::format("base {} {} {}", base->name, found.contains(there) ? "present on" : "made first on", to);
  }
  return fmt::format("with {}, at most {} of overlay copied, {}", carrier, providers::human_size(bytes),
                     lies_over);
}

// The shared pools of `moves`, sorted, once each.
std::vector<std::string> shared_pools_of(const std::vector<Move>& moves) {
  std::set<std::string> pools;
  for (const Move& move : moves) {
    if (!move.shared_pool.empty()) pools.insert(move.shared_pool);
  }
  return {pools.begin(), pools.end()};
}

// "live, 10 GiB of disk copied", "live, shared pool p: nothing copied", or
// both ("..., shared pool p: not copied").
std::string copied_words(bool live, const std::vector<Move>& moves, const KindLookup& kinds) {
  const std::vector<std::string> shared = shared_pools_of(moves);
  const bool all_shared = !moves.empty() && std::all_of(moves.begin(), moves.end(), [](const Move& move) {
    return !move.shared_pool.empty();
  });
  std::string out = live ? "live" : "offline";
  if (!all_shared) out += fmt::format(", {} of disk copied", providers::human_size(bytes_of(moves, kinds)));
  if (!shared.empty()) {
    out += fmt::format(", shared pool{} {}: {}", shared.size() == 1 ? "" : "s", fmt::join(shared, ", "),
                       all_shared ? "nothing copied" : "not copied");
  }
  return out;
}

// A finishing migration carries its volumes as the run that began it did,
// through the pools its source's ledger says it took for shared storage
// (`recorded`), whatever the stack now says of them: the destination's file
// of a volume of such a pool is the source's own (never delete it there),
// and one copied is a copy (its source is deleted, as planned then).
void carry_as_begun(const std::vector<std::string>& recorded, std::vector<Move>& moves) {
  for (Move& move : moves) {
    const std::string& pool = move.from->id.pool;
    const bool shared = !pool.empty() && std::find(recorded.begin(), recorded.end(), pool) != recorded.end();
    move.shared_pool = shared ? pool : std::string();
  }
}

Change migrate_change(const Move& move, const providers::ResourceKind& kind, std::string reason) {
  Change change;
  change.id = move.from->id;
  change.action = Action::migrate;
  change.reasons = {std::move(reason)};
  change.before = move.from->spec;
  change.after = kind.reconcile(move.to->spec, move.from->spec);
  change.observed = move.from->spec;
  change.destination = move.to->id.host;
  return change;
}

// The plan's rewrite for one migration: changes to drop, changes to add.
struct Rewrite {
  std::set<ObjectId> dropped;
  std::vector<Change> added;
  std::set<ObjectId> shared;
};

void plan_one(const Move& carrier, bool finishing, bool live, const ObservedState& observed,
              const Found& found, const std::map<ObjectId, const StackObject*>& desired,
              const std::set<ObjectId>& declared, const KindLookup& kinds, Rewrite& rewrite) {
  const providers::ResourceKind& kind = *kinds(carrier.from->id.kind);
  const std::string& to = carrier.to->id.host;
  std::vector<Move> moves = carried(carrier, observed, found, desired, declared, kinds);
  if (finishing && carrier.from->migrating_shared) carry_as_begun(*carrier.from->migrating_shared, moves);
  const std::string address = carrier.from->id.address();
  const std::string reason =
      finishing && live
          ? fmt::format("finishing: its live migration to {} under way ends, then removed from {}", to,
                        carrier.from->id.host)
      : finishing
          ? fmt::format("finishing: already defined on {}, removed from {}", to, carrier.from->id.host)
          : copied_words(live, moves, kinds);
  rewrite.dropped.insert(carrier.from->id);
  // While a live migration runs, what the destination holds (paused,
  // arriving) is not what it will be: the next plan compares it.
  if (!finishing || live) rewrite.dropped.insert(carrier.to->id);
  Change moved = migrate_change(carrier, kind, reason);
  moved.destination_ours = finishing;
  // Finishing too: should the migration under way be cut short, apply makes
  // it again, and the domain runs.
  moved.live = live;
  moved.shared_pools = shared_pools_of(moves);
  rewrite.added.push_back(std::move(moved));
  for (const Move& move : moves) {
    rewrite.dropped.insert(move.from->id);
    if (!finishing) rewrite.dropped.insert(move.to->id);
    const providers::ResourceKind* moved_kind = kinds(move.from->id.kind);
    auto bytes = moved_kind->data_at_risk(move.from->spec);
    Change change =
        migrate_change(move, *moved_kind,
                       !move.shared_pool.empty()
                           ? fmt::format("with {}, shared pool {}: nothing copied", address, move.shared_pool)
                       : finishing ? fmt::format("with {}, removed from {}", address, move.from->id.host)
                                   : copied(move, *moved_kind, address, bytes.value_or(0), found));
    change.moves_with = address;
    if (!move.shared_pool.empty()) {
      change.shared_pools = {move.shared_pool};
      // B sees the very file A holds (no ledger on B owns it yet): not a
      // foreign object in the way (diff() leaves out its refusal).
      rewrite.shared.insert(move.to->id);
    }
    // A copy on the destination the plan sees is ours (diff refuses a
    // foreign object of a declared name): a crash cut it short.
    auto left = found.find(move.to->id);
    change.destination_ours = left != found.end() && left->second->ownership == Ownership::ours;
    rewrite.added.push_back(std::move(change));
  }
}

}  // namespace

std::set<ObjectId> plan_migrations(std::vector<Change>& changes, const std::vector<StackObject>& desired,
                                   const ObservedState& observed, const KindLookup& kinds) {
  Found found;
  for (const ObservedObject& o : observed.objects) found.emplace(o.id, &o);
  std::map<ObjectId, const StackObject*> declared_objects;
  std::set<ObjectId> declared;
  for (const StackObject& want : desired) {
    declared_objects.emplace(want.id, &want);
    declared.insert(want.id);
  }
  Rewrite rewrite;
  for (const StackObject& want : desired) {
    const providers::ResourceKind* kind = kinds(want.id.kind);
    if (kind == nullptr || !kind->migrates() || observed.unread.contains(want.id.host)) continue;
    const ObservedObject* from = source_of(want, observed, declared);
    if (from == nullptr) continue;
    auto there = found.find(want.id);
    const bool finishing = there != found.end();
    if (finishing && (there->second->ownership != Ownership::ours || from->migrating_to != want.id.host))
      continue;
    const bool live = kind->running(from->spec, from->spec) == providers::Running::yes;
    plan_one(Move{from, &want}, finishing, live, observed, found, declared_objects, declared, kinds, rewrite);
  }
  if (rewrite.added.empty()) return {};
  std::erase_if(changes, [&](const Change& c) { return rewrite.dropped.contains(c.id); });
  for (Change& change : rewrite.added) changes.push_back(std::move(change));
  return std::move(rewrite.shared);
}

}  // namespace virtplan::planner
