#pragma once

// ApplyHostGate is what the first step on a host waits for, once per host:
// the host's session (connect, take the stack lock) and then one ledger write
// with the intent of every create and replace planned there. Steps that come
// later on the same host get the same outcome without asking again, so an
// unreachable host costs one connection attempt, not one per step.
// unreachable() lets the scheduler fail a host's waiting steps with the
// host's own error rather than skip them. A host whose stack lock is lost
// mid-apply counts as unreachable from then on (decision 10).

#include "providers/base/error.h"
#include "providers/host/host_access.h"
#include "providers/kind/object_id.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

class ApplyHostGate {
public:
  // `intents`: per host, the objects to be created there.
  ApplyHostGate(providers::HostAccess& hosts,
                std::map<std::string, std::vector<providers::ObjectId>> intents);

  // The host's session, or why it cannot be had.
  providers::Result<providers::HostSession*> session(const std::string& host);
  // Whether the intents on `host` were saved; call after session() succeeded.
  providers::Result<void> intents_saved(const std::string& host);
  // Why `host` has no session, once that is known; never waits.
  std::optional<providers::Error> unreachable(const std::string& host);

private:
  struct Entry {
    std::mutex mutex;
    bool opened = false;
    std::optional<providers::Result<providers::HostSession*>> session;
    std::optional<providers::Error> intents_error;
  };

  Entry& entry(const std::string& host);
  void open(const std::string& host, Entry& e);

  providers::HostAccess& m_hosts;
  std::map<std::string, std::vector<providers::ObjectId>> m_intents;
  std::mutex m_mutex;  // guards the two maps below, never held while connecting
  std::map<std::string, std::unique_ptr<Entry>> m_entries;
  std::map<std::string, providers::Error> m_unreachable;
};

}  // namespace virtplan::planner
