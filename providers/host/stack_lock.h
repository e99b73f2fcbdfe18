#pragma once

// StackLock is the per-stack lock on one host, held for the length of an apply
// (or destroy, import, domain operation) so that two of them never change a
// host's objects of one stack at once. The holder records who it is, so a
// refused command can say which command holds it. It is a
// flock(1) on /var/lib/virtplan/lock/STACK.lock (0600, never through a
// symbolic link) taken by a command the transport holds open
// (Transport::hold): the lock is released when the StackLock is destroyed,
// and also when the process holding it dies, its connection breaks, or it
// sends no heartbeat for k_silence_bound, because the host's command ends
// then. The protocol is in docs/locking.md; `virtplan unlock` breaks a lock
// by hand (stack_lock_breaker.h).

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace virtplan::providers {

class StackLock {
public:
  static constexpr std::string_view k_default_dir = "/var/lib/virtplan/lock";
  // How long the host's holder waits for a heartbeat (k_hold_heartbeat,
  // every 5 s) before it lets the lock go: a client stopped, hung or cut
  // off silently loses its lock this long after its last heartbeat.
  static constexpr std::chrono::seconds k_silence_bound{30};

  // Who takes a lock when the caller does not say: a refused command names it.
  static constexpr std::string_view k_default_holder = "virtplan";

  // Takes the lock of `stack` on the host behind `transport`, waiting up to
  // `wait` while another process holds it, as `holder` (the command this
  // process is, "virtplan import", which a command refused names). Fails with ErrorCode::locked when
  // it is still held after that, naming the holder's command:
  //   lab1: stack 'demo' is locked by `virtplan import` (pid 4242 on build7)
  //   since 2026-11-26T01:02:03Z; try again when it finishes
  // and with the transport's error when the host cannot be asked. `dir` is for
  // tests. The StackLock must not outlive `transport`. HostSession::open
  // takes it for every command (host_session.h).
  static Result<StackLock> acquire(Transport& transport, std::string_view stack, Become become,
                                   std::chrono::seconds wait, std::string_view dir = k_default_dir,
                                   std::string_view holder = k_default_holder);

  StackLock(StackLock&&) noexcept = default;
  StackLock& operator=(StackLock&&) noexcept = default;
  StackLock(const StackLock&) = delete;
  StackLock& operator=(const StackLock&) = delete;
  // Releases the lock (waits a few seconds for the host to confirm).
  ~StackLock() = default;

  // False once the lock was lost: its connection broke, or the host's command
  // holding it ended. An apply that finds it lost must stop changing the host.
  bool held() const;
  // Fails with ErrorCode::locked once the lock is lost, saying so for `host`:
  // what LockGuardedTransport asks before it sends anything there.
  Result<void> check_held(const std::string& host) const;
  static Error lost_error(const std::string& host);

  const std::string& stack() const { return m_stack; }

  // The file holding the lock of `stack` on the host.
  static std::string path(std::string_view stack, std::string_view dir = k_default_dir);

private:
  StackLock(std::string stack, std::unique_ptr<HeldCommand> held);

  std::string m_stack;
  std::unique_ptr<HeldCommand> m_held;
};

}  // namespace virtplan::providers
