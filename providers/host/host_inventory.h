#pragma once

// HostInventory is everything one host holds for one stack, as read: the
// objects each kind's reader found, and the stack's ledger there.
// read_host_inventory() reads it in a constant number of round trips: every
// reader's commands of a round go in one virsh batch (architecture.md,
// decision 3), and the ledger is read alongside. `declared` (what the stack
// declares on this host) lets the readers read those objects in the first
// round, with the listings: a host that holds just them is read in one round
// trip. The planner turns it into owned/unowned objects without knowing
// about virsh.

#include "providers/host/host_config.h"
#include "providers/host/ledger.h"
#include "providers/host/transport.h"
#include "providers/kind/reader.h"

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
  std::vector<KindObjects> kinds;  // in the readers' order
  Ledger ledger;
};

class VirshRunner;

Result<HostInventory> read_host_inventory(const std::string& stack, const HostConfig& host,
                                          Transport& transport, const std::vector<const KindReader*>& readers,
                                          const std::vector<StackObject>& declared);
// The same through `virsh`, whose batches may go to a host session's running
// virsh (HostSession::virsh) instead of a virsh process of their own.
Result<HostInventory> read_host_inventory(const std::string& stack, const HostConfig& host,
                                          const VirshRunner& virsh,
                                          const std::vector<const KindReader*>& readers,
                                          const std::vector<StackObject>& declared);
// The same with the stack's ledger already read (apply reads it under its
// lock): it is not read again, and the readers learn it before their first
// round, so they ask ahead only for the declared objects the stack owns. A
// first apply's reading is then the listings alone, not one failing dump per
// object it is about to create.
Result<HostInventory> read_host_inventory(const HostConfig& host, const VirshRunner& virsh,
                                          const std::vector<const KindReader*>& readers,
                                          const std::vector<StackObject>& declared, Ledger ledger);

}  // namespace virtplan::providers
