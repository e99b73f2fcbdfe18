#pragma once

// HostAccess is how the apply executor reaches the hosts of one stack: a
// session per host (connected, and the stack's lock taken, on first use) and
// the stack's ownership records there. The executor only passes sessions on
// to actuators, so this header names no SSH, virsh or XML type.
//
// Ownership is recorded so that a crash at any moment converges
// (architecture.md, decision 4): the intent to create is saved *before* the
// create runs, so the next apply adopts a half-made object it owns instead of
// failing "already exists". record_intents returns only once the intents are
// saved on the host. mark_created and forget return once recorded; the
// record reaches the host soon after, in the background, and at the latest
// when flush() returns: a crash before that leaves the object an intent,
// which the next apply adopts, so waiting for each of those saves would only
// slow every step down. Safe to call from several threads at once.

#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace virtplan::providers {

class HostSession;  // providers/host/host_session.h

class HostAccess {
public:
  virtual ~HostAccess() = default;

  // The host's session, made on the first call; later calls return the same
  // one, or the same error ("lab2: connection refused") for a host that cannot
  // be reached or whose stack lock is held. Valid while this object lives.
  virtual Result<HostSession*> session(const std::string& host) = 0;

  // How many steps may run on `host` at once: what it can work on side by
  // side (HostSession::capacity). A host not reached yet gets the default.
  static constexpr int k_default_capacity = 8;
  virtual int capacity(const std::string& host) const {
    (void)host;
    return k_default_capacity;
  }

  // Records the intent to create every object in `ids` (all on `host`) in one
  // write, before any of them is created.
  virtual Result<void> record_intents(const std::string& host, const std::vector<ObjectId>& ids) = 0;

  // The object exists now; `ledger_data` is what its kind asks the ledger to
  // remember (ActuatorOutcome::ledger_data).
  virtual Result<void> mark_created(const ObjectId& id, const nlohmann::json& ledger_data) = 0;

  // The object is gone: the stack no longer owns it.
  virtual Result<void> forget(const ObjectId& id) = 0;

  // This apply has no more steps on `host`: its records may reach it now
  // rather than after a pause meant to gather more of them. A hint, so the
  // host's work ends when its own last step does, not when the slowest
  // host's does; flush() still waits for every save.
  virtual void finished_with(const std::string& host) { (void)host; }

  // Saves every record not yet on its host, waiting for it; one error per
  // host where that failed.
  virtual std::vector<Error> flush() = 0;
};

}  // namespace virtplan::providers
