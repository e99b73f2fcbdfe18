#pragma once

// Ledger is one stack's record, on one host, of every object it owns there.
// It is how pools and volumes (whose <metadata> libvirt 9.0 drops) are known
// to be ours, and how a crash mid-apply converges: the intent to create an
// object is saved *before* it is created, so the next apply finds an owned
// half-made object to adopt instead of failing "already exists"
// (architecture.md, decision 4).
//
// The file lives on the host (/var/lib/virtplan/ledger/STACK.json), never on
// the control machine, and is replaced atomically: written to a temporary file
// beside it, checked for its full length, then renamed over the old one. A
// killed virtplan leaves the old ledger or the new one, never half of one.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"
#include "providers/kind/object_id.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace virtplan::providers {

enum class LedgerState {
  intent,   // about to be created: owned, may not exist yet
  created,  // created (or adopted) by the stack
};

// LedgerEntry is one owned object; `data` holds what its kind needs to
// remember (a volume's source content hash, say). A volume's entry names its
// pool (identity is exact, architecture.md decision 9): the file's key is
// "volume.POOL/NAME". A ledger of format 1 keyed volumes by name alone
// ("volume.NAME"); such an entry is read with an empty pool, a *legacy* entry,
// and the observer decides which volume it meant (planner/observer.h).
// The key of an entry's data that says its object is being migrated to
// another host (planner/migration_plan.h), kept by every kind: written on the
// source host before a migration changes anything, so that a run after a
// crash that left the object on both hosts finishes the move rather than
// destroying the source's copy as undeclared.
inline constexpr std::string_view k_ledger_migrating_to = "migrating_to";
// Beside it, the pools the migration takes for one storage seen from both
// hosts (its moving volumes there are neither copied nor deleted): a run
// that finishes the migration after a crash carries them the same way,
// whatever the stack says of those pools by then, so that it never deletes
// a shared file from the source (the destination's too) nor leaves a copy.
inline constexpr std::string_view k_ledger_migrating_shared = "migrating_shared";

struct LedgerEntry {
  std::string kind;
  std::string name;
  LedgerState state = LedgerState::intent;
  nlohmann::json data = nlohmann::json::object();
  std::string pool = {};  // a volume's pool; empty for other kinds and legacy entries

  // The id it records, on `host`.
  ObjectId id(const std::string& host) const { return ObjectId{kind, name, host, pool}; }
  // Its key in the ledger file: "domain.web", "volume.images/root".
  std::string key() const { return kind + "." + name_in_pool(pool, name); }

  bool operator==(const LedgerEntry&) const = default;
};

class Ledger {
public:
  static constexpr std::string_view k_default_dir = "/var/lib/virtplan/ledger";

  explicit Ledger(std::string stack);

  // The ledger of `stack` on the host behind `transport`; an empty one when the
  // host has none yet.
  static Result<Ledger> load(Transport& transport, std::string_view stack, Become become = Become::none,
                             std::string_view dir = k_default_dir);

  // Parses a ledger file's text; errors name the stack and what is wrong.
  static Result<Ledger> parse(std::string_view stack, std::string_view text);

  // Replaces the host's ledger file atomically.
  Result<void> save(Transport& transport, Become become = Become::none,
                    std::string_view dir = k_default_dir) const;

  std::string serialize() const;  // stable: entries sorted by kind, then name
  static std::string path(std::string_view stack, std::string_view dir = k_default_dir);

  const std::string& stack() const { return m_stack; }
  // The ledger is one host's: an id's host is not part of its key, its kind,
  // pool and name are. Recording a volume by its pool drops a legacy entry of
  // its name: the new entry says exactly what the old one meant (a stack
  // declares one volume per name).
  void record_intent(const ObjectId& id);
  void mark_created(const ObjectId& id, nlohmann::json data = nlohmann::json::object());
  void forget(const ObjectId& id);
  std::optional<LedgerEntry> find(const ObjectId& id) const;
  bool owns(const ObjectId& id) const;

  // The same for kinds without a pool (domains, networks, pools).
  void record_intent(const std::string& kind, const std::string& name);
  void mark_created(const std::string& kind, const std::string& name,
                    nlohmann::json data = nlohmann::json::object());
  void forget(const std::string& kind, const std::string& name);
  std::optional<LedgerEntry> find(std::string_view kind, std::string_view name) const;
  bool owns(std::string_view kind, std::string_view name) const;

  std::vector<LedgerEntry> entries() const;  // sorted by kind, then pool, then name

  bool operator==(const Ledger&) const = default;

private:
  std::string m_stack;
  using Key = std::tuple<std::string, std::string, std::string>;  // kind, pool, name
  static Key key_of(const ObjectId& id) { return {id.kind, id.pool, id.name}; }
  void drop_legacy(const ObjectId& id);

  std::map<Key, LedgerEntry> m_entries;
};

}  // namespace virtplan::providers
