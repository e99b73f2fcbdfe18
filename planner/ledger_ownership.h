#pragma once

// LedgerOwnership decides, for one host, which objects the stack owns and what
// of its ledger entry joins each owned object's observed spec. Every rule of
// ownership lives here, so that the observer, import and apply agree:
//
//   - An object's own <metadata> marker wins: it travels with the object.
//   - Otherwise the ledger's entry for its exact identity (kind, pool, name)
//     says so: a volume `root` in a foreign pool is never the stack's because
//     the stack owns a `root` elsewhere (architecture.md, decision 9).
//   - An entry that is only an *intent* (the create it announced may have
//     failed) owns an object of a kind that marks its objects only when the
//     object carries the stack's marker: a foreign domain defined later under
//     that name is not adopted.
//   - A legacy entry (ledger format 1: a volume by name alone) owns the volume
//     of that name in the pool the stack declares for it; when the stack no
//     longer declares it, the one volume of that name in a pool the stack
//     owns. It never owns a volume in a pool the stack neither declares nor
//     owns, and when it cannot tell, it owns nothing (nothing is destroyed on
//     a guess). The entry is rewritten with its pool when apply next records
//     the volume (Ledger::mark_created drops the legacy entry).
//   - Only the keys a kind keeps in the ledger (KindReader::ledger_keys()) are
//     merged into the observed spec; an entry holding another key makes the
//     host unreadable, naming the entry and the key: a hand-edited or stale
//     ledger must not invent a change, let alone a replace.

#include "planner/observed_state.h"
#include "providers/host/host_inventory.h"
#include "providers/host/ledger.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

class LedgerOwnership {
public:
  // `declared` are the stack's objects on the host of `inventory`.
  LedgerOwnership(std::string stack, const providers::HostInventory& inventory,
                  const std::vector<providers::StackObject>& declared);

  // Fails when an entry of a kind read here holds a key its kind does not
  // keep in the ledger.
  providers::Result<void> check_entries() const;

  // The object's ownership (`id` is its identity on the host).
  Ownership of(const providers::ObjectId& id, const providers::ReadObject& object, bool marks_owner) const;

  // The entry that makes `id` the stack's, when one does (exact or legacy).
  std::optional<providers::LedgerEntry> entry(const providers::ObjectId& id) const;

  // `spec` with the kind's ledger keys of `id`'s entry merged in.
  providers::Spec merged(const providers::ObjectId& id, providers::Spec spec,
                         const std::vector<std::string>& ledger_keys) const;

  // The entries on `host` (intents and created ones) whose object
  // `observed` (this host's) does not hold, where the reading lists every
  // object of the kind: domains, networks and pools always; a volume only
  // when its pool is gone or active (an inactive pool lists no volumes; a
  // legacy entry, of no pool, needs every pool active). A kind not read here
  // is never taken for gone.
  std::vector<providers::ObjectId> vanished_entries(const std::string& host,
                                                    const std::vector<ObservedObject>& observed) const;

private:
  std::optional<std::string> legacy_pool(const std::string& kind, const std::string& name) const;

  std::string m_stack;
  const providers::HostInventory& m_inventory;
  std::map<std::pair<std::string, std::string>, std::string> m_declared_pools;  // (kind, name) -> pool
};

}  // namespace virtplan::planner
