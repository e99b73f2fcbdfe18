#pragma once

// SshTransport runs commands on one host over one libssh session, many at once.
// A single I/O thread owns the session (libssh sessions are not thread-safe)
// and services every channel without blocking; run() hands the command to it
// and waits for the result.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/ssh_channel_job.h"
#include "providers/host/ssh_session.h"
#include "providers/host/ssh_target.h"
#include "providers/host/transport.h"

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace virtplan::providers {

class SshTransport final : public Transport {
public:
  // Checks the configuration and starts the I/O thread. It connects on the
  // first command, so building transports for many hosts costs nothing.
  static Result<std::unique_ptr<SshTransport>> create(const HostConfig& config);

  // Fails whatever is still running or queued, disconnects, joins the thread.
  ~SshTransport() override;
  SshTransport(const SshTransport&) = delete;
  SshTransport& operator=(const SshTransport&) = delete;

  Result<CommandOutput> run(const Command& command) override;
  // Holds the command on a channel of the one session. The remote line has no
  // timeout(1): the command must end when its stdin does, which happens at the
  // release, and also when the connection breaks or virtplan dies (sshd then
  // closes the channel's pipes). A held channel counts against the channel
  // limit for as long as it is held.
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override;
  // Streams the command on a channel of the one session; like a held
  // command, it has no timeout(1), ends when its stdin does, and counts
  // against the channel limit while it runs.
  bool can_stream() const override { return true; }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override;
  const std::string& host_name() const override { return m_target.name; }
  Result<void> connect() override;
  std::string host_key() const override;

  // How many sessions this transport has opened so far: 1 while the first one
  // lives, more after reconnects. For tests and diagnostics.
  int sessions_opened() const { return m_sessions_opened.load(); }

private:
  using Clock = std::chrono::steady_clock;
  using JobPointer = std::unique_ptr<SshChannelJob>;

  SshTransport(SshTarget target, int wake_fd, ssh_event event);

  class Held;
  class Stream;
  Result<std::future<Result<CommandOutput>>> submit(JobPointer job);
  std::string remote_line(const Command& command) const;
  void wake() const;

  // The I/O thread's loop, one pass per wake-up; every step below runs on it.
  void io_loop();
  bool collect_submissions();
  void ensure_session();
  void start_waiting_jobs();
  void advance_active_jobs();
  void expire_jobs();
  void drain_expired_opens();
  void check_session();
  void send_keepalive();
  void wait_for_events();
  int next_wait_ms() const;
  void drop_session();
  void shut_down();
  static int on_wake(int fd, int revents, void* self);

  const SshTarget m_target;
  const int m_wake_fd;  // an eventfd: run() and the destructor wake the I/O thread
  std::atomic<int> m_sessions_opened{0};

  mutable std::mutex m_mutex;  // guards the members below
  std::deque<JobPointer> m_submitted;
  bool m_stopping = false;
  std::string m_host_key;        // of the newest session
  bool m_connect_asked = false;  // connect() wants a session with no command waiting
  bool m_first_connect_ended = false;
  std::condition_variable m_first_connect_changed;
  // Why the first connection failed. A host that never answered is not
  // tried again: each try costs a whole connect_timeout, and a run's later
  // commands (the lock, the ledger) would each wait it out again.
  std::optional<Error> m_never_connected;

  // Touched by the I/O thread only.
  ssh_event m_event;
  std::unique_ptr<SshSession> m_session;
  std::deque<JobPointer> m_waiting;    // for a channel slot, in arrival order
  std::vector<JobPointer> m_active;    // holding a channel
  std::vector<JobPointer> m_draining;  // timed out while their channel was opening
  Clock::time_point m_opening_blocked_until{};
  Clock::time_point m_last_keepalive{};
  // Set when a session died holding an unreleased command: every later
  // command fails with it, and no session opens again.
  std::optional<Error> m_hold_lost;

  std::thread m_thread;  // last: it starts once everything above exists
};

}  // namespace virtplan::providers
