#pragma once

// observe_stack() observes every host of a stack for a command that only
// reads (plan, status, show, metrics): each host's session opened without
// the lock (HostSession::open), then planner::observe (hosts in parallel,
// each in a constant number of batch rounds) with the kinds' readers and,
// in the same rounds, `extra` readers of facts the kinds' specs leave out
// (live state, statistics). The kinds' objects come back as the
// planner sees them; the extra readers' objects are set apart as facts, by
// reader kind, host and name.

#include "planner/observed_state.h"
#include "planner/stack.h"
#include "providers/host/host_connections.h"
#include "providers/host/host_session.h"
#include "providers/kind/reader.h"

#include <cstdio>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace virtplan::cli {

struct StackObservation {
  planner::ObservedState state;  // the resource kinds' objects, and the hosts not read
  // facts[reader kind][{host, name}]: what an extra reader reported.
  std::map<std::string, std::map<std::pair<std::string, std::string>, providers::Spec>> facts;

  // The fact `name` on `host` from the reader of `kind`; nullptr when none.
  const providers::Spec* fact(const std::string& kind, const std::string& host,
                              const std::string& name) const;
};

// Every host is reached first (providers::HostConnections): when two entries
// reach one hypervisor, the error names them and nothing is shown.
providers::Result<StackObservation> observe_stack(const planner::Stack& stack,
                                                  const std::vector<const providers::KindReader*>& extra);

// One host of the stack, open for a command on one of its objects (import,
// `domain VERB`). The session goes first, then the transport it runs over,
// then the connections.
struct OpenedHost {
  std::unique_ptr<providers::HostConnections> hosts;
  std::unique_ptr<providers::Transport> transport;
  std::unique_ptr<providers::HostSession> session;
};

// Reaches every host of the stack (one hypervisor under two entries is
// refused, as print_refusal prints it), then opens `host`'s session as
// `lock` says. Prints why it could not to stderr, `address` first and the
// session's refusal followed by `; NOTHING` ("nothing imported"), and
// returns nullopt then.
std::optional<OpenedHost> open_host(const planner::Stack& stack, const providers::HostConfig& host,
                                    const providers::HostSession::Lock& lock, const std::string& address,
                                    std::string_view nothing);

// Fails when two of the stack's host entries reach one hypervisor, one line
// per entry repeating another (host_identity.h): the whole run must stop
// before it shows, locks or changes anything. Waits for the hosts' identities.
providers::Result<void> one_entry_per_hypervisor(const providers::HostConnections& hosts);

// Prints a run's refusal to `out`: "error: LINE" for each of its lines, then
// "nothing was planned or changed".
void print_refusal(const providers::Error& why, std::FILE* out);

// Every object the stack declares or owns on a host (owned ones it no longer
// declares included), sorted by id.
std::vector<providers::ObjectId> declared_or_owned(const planner::Stack& stack,
                                                   const planner::ObservedState& observed);

}  // namespace virtplan::cli
