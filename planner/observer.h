#pragma once

// observe() reads what the hosts really hold, for diff(): every host at once,
// and on each host every kind in lockstep, so that each round of every
// kind's virsh commands is one batch (one virsh process, one round trip) and a
// host costs a constant number of round trips however many objects it holds.
// Ownership comes from each object's <metadata> marker where its kind has one,
// else from the stack's ledger on that host; an owned object's ledger data (what
// its kind keeps there: a volume's source hash) is merged into its observed
// spec, so the diff compares it (the rules: planner/ledger_ownership.h). A
// volume's identity holds its pool. A host that cannot be reached or read, or
// whose ledger is not trusted, is listed in ObservedState::unread with its error.
//
// `declared` (the stack's objects) are hints: each host's readers read the
// objects declared there in the first round, beside the listings, so a host
// that holds what the stack declares is read in one round trip. Every object a
// host holds is observed, declared or not.

#include "planner/observed_state.h"
#include "providers/host/host_config.h"
#include "providers/host/host_inventory.h"
#include "providers/host/transport.h"
#include "providers/kind/reader.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::planner {

using TransportFactory =
    std::function<providers::Result<std::unique_ptr<providers::Transport>>(const providers::HostConfig&)>;

// What one host holds for the stack, read some way (over a new connection,
// or through an open host session's virsh); `here` are the objects the stack
// declares on that host.
using InventoryReader = std::function<providers::Result<providers::HostInventory>(
    const providers::HostConfig& host, const std::vector<providers::StackObject>& here)>;

// One host: every object each reader finds there, with its ownership.
providers::Result<std::vector<ObservedObject>> observe_host(
    const std::string& stack, const providers::HostConfig& host, providers::Transport& transport,
    const std::vector<const providers::KindReader*>& readers,
    const std::vector<providers::StackObject>& declared);

// Every host, in parallel, each over a transport from `connect`.
ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const std::vector<const providers::KindReader*>& readers,
                      const TransportFactory& connect, const std::vector<providers::StackObject>& declared);

// Every host, in parallel, each read by `read`.
ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const InventoryReader& read, const std::vector<providers::StackObject>& declared);

}  // namespace virtplan::planner
