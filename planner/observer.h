#pragma once

// observe_host() reads what one host really holds, for diff(), through the
// host's open session (HostSession::open): every kind in lockstep, so that
// each round of every kind's virsh commands is one batch (one virsh process,
// one round trip) and a host costs a constant number of round trips however
// many objects it holds. Ownership comes from each object's <metadata>
// marker where its kind has one, else from the stack's ledger on that host;
// an owned object's ledger data (what its kind keeps there: a volume's
// source hash) is merged into its observed spec, so the diff compares it (the
// rules: planner/ledger_ownership.h). A volume's identity holds its pool.
// observe() does it on every host at once; a host that cannot be opened or
// read, or whose ledger is not trusted, is listed in ObservedState::unread
// with its error.
//
// `declared` (the stack's objects) are hints: each host's readers read the
// objects declared there in the first round, beside the listings, so a host
// that holds what the stack declares is read in one round trip. Every object a
// host holds is observed, declared or not.

#include "planner/observed_state.h"
#include "providers/host/host_access.h"
#include "providers/host/host_config.h"
#include "providers/host/host_inventory.h"
#include "providers/kind/reader.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

// One host's objects, and the stack's intents there that led to none.
struct HostObservation {
  std::vector<ObservedObject> objects;
  // What the host holds that its kind cannot represent, the stack neither
  // owns nor declares, and other stacks' too: left alone. One the stack owns
  // or declares fails the host's reading with the kind's reason instead.
  std::vector<UnrepresentableObject> unrepresentable = {};
  std::vector<providers::ObjectId> vanished_entries;
};

// One host, through its open session. `ledger`: the stack's ledger there
// when it was already read under the stack's lock (apply), else it is read
// alongside (providers::read_host_inventory).
providers::Result<HostObservation> observe_host(providers::HostSession& session, const std::string& stack,
                                                const std::vector<const providers::KindReader*>& readers,
                                                const std::vector<providers::StackObject>& declared,
                                                std::optional<providers::Ledger> ledger = std::nullopt);

// A host opened for observe(): its session, valid until observe() returns,
// and the stack's ledger there when already read.
struct OpenHost {
  providers::HostSession* session = nullptr;
  std::optional<providers::Ledger> ledger;
};
using HostOpener = std::function<providers::Result<OpenHost>(const providers::HostConfig&)>;

// Every host, in parallel: each opened by `open` (called from several
// threads at once) and observed by observe_host. Objects sorted by id.
ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const HostOpener& open, const std::vector<const providers::KindReader*>& readers,
                      const std::vector<providers::StackObject>& declared);

}  // namespace virtplan::planner
