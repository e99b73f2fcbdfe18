#include "planner/ledger_ownership.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace virtplan::planner {

using providers::LedgerEntry;
using providers::LedgerState;
using providers::ObjectId;
using providers::Result;

namespace {

// What is wrong with an entry's data, given the keys its kind keeps, and
// what to do about it.
struct Untrusted {
  std::string problem;
  std::string remedy;
};

std::optional<Untrusted> untrusted_data(const LedgerEntry& e, const std::vector<std::string>& kept) {
  if (!e.data.is_object()) {
    return Untrusted{fmt::format("holds data {}, not an object of keys", e.data.dump()), "make it {}"};
  }
  for (const auto& item : e.data.items()) {
    if (std::find(kept.begin(), kept.end(), item.key()) != kept.end()) continue;
    if (item.key() == providers::k_ledger_migrating_to && item.value().is_string()) continue;
    if (item.key() == providers::k_ledger_migrating_shared && item.value().is_array() &&
        std::all_of(item.value().begin(), item.value().end(), [](const auto& v) { return v.is_string(); }))
      continue;
    return Untrusted{
        fmt::format("holds '{}', which a {} does not keep in the ledger (it keeps: {})", item.key(), e.kind,
                    kept.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(kept, ", "))),
        "remove that key"};
  }
  return std::nullopt;
}

}  // namespace

LedgerOwnership::LedgerOwnership(std::string stack, const providers::HostInventory& inventory,
                                 const std::vector<providers::StackObject>& declared)
    : m_stack(std::move(stack)), m_inventory(inventory) {
  for (const providers::StackObject& object : declared) {
    if (!object.id.pool.empty()) m_declared_pools[{object.id.kind, object.id.name}] = object.id.pool;
  }
}

Result<void> LedgerOwnership::check_entries() const {
  for (const providers::KindObjects& kind : m_inventory.kinds) {
    for (const LedgerEntry& e : m_inventory.ledger.entries()) {
      if (e.kind != kind.kind) continue;
      if (auto untrusted = untrusted_data(e, kind.ledger_keys)) {
        return providers::fail(
            providers::ErrorCode::invalid,
            fmt::format("ledger of stack '{}': entry {} {}; a ledger edited by hand or written "
                        "by another tool is not trusted: {}",
                        m_stack, e.key(), untrusted->problem, untrusted->remedy));
      }
    }
  }
  return {};
}

std::optional<std::string> LedgerOwnership::legacy_pool(const std::string& kind,
                                                        const std::string& name) const {
  if (auto it = m_declared_pools.find({kind, name}); it != m_declared_pools.end()) return it->second;
  // Undeclared: the one of that name in a pool the stack owns.
  std::vector<std::string> pools;
  for (const providers::KindObjects& objects : m_inventory.kinds) {
    if (objects.kind != kind) continue;
    for (const providers::ReadObject& object : objects.objects) {
      if (object.name == name && !object.pool.empty() && m_inventory.ledger.owns("pool", object.pool)) {
        pools.push_back(object.pool);
      }
    }
  }
  if (pools.size() == 1) return pools.front();
  return std::nullopt;
}

std::optional<LedgerEntry> LedgerOwnership::entry(const ObjectId& id) const {
  if (auto exact = m_inventory.ledger.find(id)) return exact;
  if (id.pool.empty()) return std::nullopt;
  auto legacy = m_inventory.ledger.find(id.kind, id.name);
  if (!legacy || legacy_pool(id.kind, id.name) != id.pool) return std::nullopt;
  return legacy;
}

Ownership LedgerOwnership::of(const ObjectId& id, const providers::ReadObject& object,
                              bool marks_owner) const {
  // The marker in the object itself wins over the ledger: it travels with
  // the object, the ledger may lag behind a crash.
  if (object.owner) return *object.owner == m_stack ? Ownership::ours : Ownership::foreign;
  auto found = entry(id);
  if (!found) return Ownership::unowned;
  // The stack marks every object of this kind it makes: an unmarked one
  // under an intent was made by someone else after the create failed.
  if (marks_owner && found->state == LedgerState::intent) return Ownership::unowned;
  return Ownership::ours;
}

providers::Spec LedgerOwnership::merged(const ObjectId& id, providers::Spec spec,
                                        const std::vector<std::string>& ledger_keys) const {
  auto found = entry(id);
  if (!found || !found->data.is_object() || !spec.is_object()) return spec;
  for (const std::string& key : ledger_keys) {
    if (found->data.contains(key)) spec[key] = found->data[key];
  }
  return spec;
}

namespace {

// Whether `observed` (one host's) lists every volume that could be the
// entry's: its pool's volumes are listed when the pool is active, and there
// are none when the pool is gone.
bool volumes_listed(const LedgerEntry& e, const std::vector<ObservedObject>& observed) {
  auto inactive = [&](const ObservedObject& o) {
    return o.id.kind == "pool" && (e.pool.empty() || o.id.name == e.pool) && !o.spec.value("active", false);
  };
  return std::none_of(observed.begin(), observed.end(), inactive);
}

}  // namespace

std::vector<ObjectId> LedgerOwnership::vanished_entries(const std::string& host,
                                                        const std::vector<ObservedObject>& observed) const {
  auto read = [&](const std::string& kind) {
    return std::any_of(m_inventory.kinds.begin(), m_inventory.kinds.end(),
                       [&](const providers::KindObjects& k) { return k.kind == kind; });
  };
  std::vector<ObjectId> out;
  for (const LedgerEntry& e : m_inventory.ledger.entries()) {
    if (!read(e.kind)) continue;
    if (e.kind == "volume" && (!read("pool") || !volumes_listed(e, observed))) continue;
    // A legacy entry (no pool) is there with a volume of its name in any pool.
    const ObjectId id = e.id(host);
    const bool there = std::any_of(observed.begin(), observed.end(), [&](const ObservedObject& o) {
      return o.id == id || (e.pool.empty() && o.id.named_by(id));
    });
    if (!there) out.push_back(id);
  }
  return out;
}

}  // namespace virtplan::planner
