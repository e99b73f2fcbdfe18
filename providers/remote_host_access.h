#pragma once

// RemoteHostAccess is the HostAccess of a real apply: it connects to each
// host the first time a step needs it (make_transport), takes the stack's
// lock there for as long as it lives, loads the stack's ledger once and keeps
// it in memory under a per-host mutex, saving it atomically (Ledger::save)
// after every change.
//
// Saves are coalesced without ever losing a record: a change bumps the
// ledger's version and then waits for a save that includes it; when several
// steps finish while one save is in flight, the next save carries all of
// them, so N finished steps cost far fewer than N writes, and no call returns
// before its record is on the host. Once the stack lock is lost (its
// connection broke), every record fails with ErrorCode::locked, so no create
// starts without its intent saved under the lock.

#include "providers/error.h"
#include "providers/host_access.h"
#include "providers/host_config.h"
#include "providers/ledger.h"
#include "providers/transport.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace virtplan::providers {

class RemoteHostAccess : public HostAccess {
public:
  using TransportMaker = std::function<Result<std::unique_ptr<Transport>>(const HostConfig&)>;

  struct Options {
    TransportMaker connect;                         // unset: make_transport
    std::chrono::seconds lock_wait{0};              // how long to wait for a busy stack lock
    std::string ledger_dir{Ledger::k_default_dir};  // tests point it elsewhere
    bool take_lock = true;                          // tests of the ledger alone turn it off
  };

  RemoteHostAccess(std::string stack, std::map<std::string, HostConfig> hosts, Options options);
  ~RemoteHostAccess() override;

  Result<HostSession*> session(const std::string& host) override;
  Result<void> record_intents(const std::string& host, const std::vector<ObjectId>& ids) override;
  Result<void> mark_created(const ObjectId& id, const nlohmann::json& ledger_data) override;
  Result<void> forget(const ObjectId& id) override;

  // How many times the ledger was written on `host` (for tests and metrics).
  int ledger_writes(const std::string& host) const;

private:
  struct HostState;

  HostState* state_of(const std::string& host) const;
  Result<void> connect(HostState& state);
  Result<void> change_ledger(const std::string& host, const std::function<void(Ledger&)>& edit);
  Result<void> save_through(HostState& state, std::uint64_t version);

  std::string m_stack;
  Options m_options;
  std::map<std::string, std::unique_ptr<HostState>> m_hosts;  // fixed at construction
};

}  // namespace virtplan::providers
