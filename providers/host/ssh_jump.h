#pragma once

// SshJump is one jump host (ProxyJump hop) in use: a libssh session of ours to
// the hop, shared by every session that goes through it, and a thread that
// pumps each of those sessions' bytes through a direct-tcpip channel of the
// hop. A session behind the hop gets one end of a socketpair as its socket
// (SSH_OPTIONS_FD): no `ssh` binary, no ProxyCommand. Hops chain: the session
// to hop N is itself opened through hop N-1's SshJump.

#include "providers/base/error.h"
#include "providers/host/ssh_session.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace virtplan::providers {

// When bytes last came from the far end of a tunnel, in steady_clock
// nanoseconds: how a session behind a jump host knows its keepalives are
// answered (SshSession::silent_for).
using LastReceived = std::shared_ptr<std::atomic<std::int64_t>>;

struct SshTunnel {
  int fd = -1;  // the caller's end of the socketpair, owned by the caller
  LastReceived last_received;
};

class SshJump {
public:
  // The live SshJump for the last hop of `chain` (the hops before it are the
  // way to it), opening it when there is none: every host behind the same
  // chain shares one session per hop. Fails with the hop's own error, which
  // names it ("bastion jump1 (10.0.0.1:22): ...").
  static Result<std::shared_ptr<SshJump>> get(const std::vector<SshTarget>& chain);

  ~SshJump();
  SshJump(const SshJump&) = delete;
  SshJump& operator=(const SshJump&) = delete;

  // A socket connected through this hop to host:port, within `timeout`.
  Result<SshTunnel> open_tunnel(const std::string& host, int port, std::chrono::milliseconds timeout);

  // False once the hop's session died; get() then opens a new one.
  bool alive() const { return !m_dead.load(); }
  const SshTarget& hop() const { return m_hop; }
  // Tunnels opened so far (tests: one bastion session serves many hosts).
  int tunnels_opened() const { return m_tunnels_opened.load(); }

private:
  struct Pipe;
  SshJump(SshTarget hop, std::unique_ptr<SshSession> session, int wake_fd, ssh_event event);

  void run();
  bool step(Pipe& pipe, bool& moved);
  void finish(Pipe& pipe);
  std::string dead_reason();
  void wake() const;

  const SshTarget m_hop;
  std::unique_ptr<SshSession> m_session;
  const int m_wake_fd;
  ssh_event m_event;
  std::atomic<bool> m_dead{false};
  std::atomic<int> m_tunnels_opened{0};

  mutable std::mutex m_mutex;  // guards the two members below
  std::deque<std::unique_ptr<Pipe>> m_requests;
  bool m_stopping = false;

  std::vector<std::unique_ptr<Pipe>> m_pipes;  // the thread's own, as is the next
  std::chrono::steady_clock::time_point m_last_keepalive = std::chrono::steady_clock::now();
  std::thread m_thread;  // last: starts once the rest exists
};

}  // namespace virtplan::providers
