#pragma once

// HostInventory is everything one host holds for one stack, as read: the
// objects each kind's reader found, and the stack's ledger there.
// read_host_inventory() reads it through the host's open session
// (HostSession::open) in a constant number of round trips: every reader's
// commands of a round go in one virsh batch (architecture.md, decision 3),
// and the ledger is read alongside. The objects the stack declares on this
// host let the readers read those in the first round, with the listings: a
// host that holds just them is read in one round trip. The planner turns it
// into owned/unowned objects (planner::observe_host) without knowing about
// virsh.

#include "providers/host/host_config.h"
#include "providers/host/ledger.h"
#include "providers/kind/reader.h"

#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

struct KindObjects {
  std::string kind;
  std::vector<ReadObject> objects;            // sorted by name
  std::vector<std::string> ledger_keys = {};  // KindReader::ledger_keys()
  bool marks_owner = false;                   // KindReader::marks_owner()
};

struct HostInventory {
  std::string host;                // its name in the stack
  std::vector<KindObjects> kinds;  // in the readers' order
  Ledger ledger;
  std::vector<StackObject> declared;  // what the stack declares on this host
};

class HostSession;  // providers/host/host_session.h

// What `session`'s host holds for `stack`; `declared` are all the stack's
// objects (those on other hosts are left out here). `ledger`: the stack's
// ledger there when it was already read (apply reads it under its lock): it
// is not read again, and the readers learn it before their first round, so
// they ask ahead only for the declared objects the stack owns. A first
// apply's reading is then the listings alone, not one failing dump per
// object it is about to create.
Result<HostInventory> read_host_inventory(HostSession& session, const std::string& stack,
                                          const std::vector<const KindReader*>& readers,
                                          const std::vector<StackObject>& declared,
                                          std::optional<Ledger> ledger = std::nullopt);

}  // namespace virtplan::providers
