#pragma once

// RemoteHostAccess is the HostAccess of a real apply: it connects to each
// host the first time a step needs it (make_transport), takes the stack's
// lock there for as long as it lives, loads the stack's ledger once and keeps
// it in memory under a per-host mutex, saving it atomically (Ledger::save)
// after every change.
//
// Saves are coalesced without ever losing a record: a change bumps the
// ledger's version; intents then wait for a save that includes them, other
// records are saved by the host's background saver, and flush() waits for
// everything. When several steps finish while one save is in flight, the next
// save carries all of them, so N finished steps cost far fewer than N writes.
// Once the stack lock is lost (its holder
// on the host ended, its connection broke or fell silent), session() and
// every record fail with ErrorCode::locked, and the host's transport sends
// nothing more (LockGuardedTransport): no change and no ledger write happens
// there without the lock. Locks are taken in host-name order when waiting
// for them (Options::lock_wait), so two applies never wait on each other.

#include "providers/base/error.h"
#include "providers/host/host_access.h"
#include "providers/host/host_config.h"
#include "providers/host/ledger.h"
#include "providers/host/transport.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace virtplan::providers {

class RemoteHostAccess : public HostAccess {
public:
  using TransportMaker = std::function<Result<std::unique_ptr<Transport>>(const HostConfig&)>;

  struct Options {
    TransportMaker connect;                         // unset: make_transport
    std::chrono::seconds lock_wait{0};              // how long to wait for a busy stack lock
    std::string ledger_dir{Ledger::k_default_dir};  // tests point it elsewhere
    bool take_lock = true;                          // tests of the ledger alone turn it off
    std::string holder{"virtplan"};                 // the command, as a refused one names it (stack_lock.h)
    // Asked once a host is connected, before its lock is taken; its error
    // becomes the host's (apply refuses one hypervisor under two entries
    // here, so the second entry never waits on the first one's lock).
    std::function<Result<void>()> before_lock;
    // How long the background saver lets a host's records gather, from the
    // first one not saved, before it saves them in one write. Each save is a
    // few processes and an fsync on the host, which compete with libvirtd
    // for its CPU; what waits is only records (intents are saved before their
    // creates), and flush() saves at once.
    std::chrono::milliseconds background_pause{2000};
  };

  RemoteHostAccess(std::string stack, std::map<std::string, HostConfig> hosts, Options options);
  ~RemoteHostAccess() override;

  Result<HostSession*> session(const std::string& host) override;
  // The session's capacity once the host is reached; until then the default.
  int capacity(const std::string& host) const override;
  Result<void> record_intents(const std::string& host, const std::vector<ObjectId>& ids) override;
  Result<void> mark_created(const ObjectId& id, const nlohmann::json& ledger_data) override;
  Result<void> forget(const ObjectId& id) override;
  void finished_with(const std::string& host) override;
  std::vector<Error> flush() override;

  // The stack's ledger on `host` as this process holds it (loaded under the
  // lock, with every record made since); nullopt for a host not connected.
  std::optional<Ledger> ledger(const std::string& host) const;

  // How many times the ledger was written on `host` (for tests and metrics).
  int ledger_writes(const std::string& host) const;

private:
  struct HostState;

  HostState* state_of(const std::string& host) const;
  Result<void> connect(HostState& state);
  void lock_earlier_hosts(const HostState& state);
  enum class Wait { saved, recorded };
  Result<void> change_ledger(const std::string& host, const std::function<void(Ledger&)>& edit, Wait wait);
  Result<void> save_through(HostState& state, std::uint64_t version);
  Result<void> save_newest(HostState& state, std::unique_lock<std::mutex>& lock);
  void save_in_background(HostState& state, std::stop_token stop);

  std::string m_stack;
  Options m_options;
  std::map<std::string, std::unique_ptr<HostState>> m_hosts;  // fixed at construction
};

}  // namespace virtplan::providers
