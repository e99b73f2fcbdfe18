#pragma once

// SshSession is one connected, host-verified, authenticated libssh session. It
// is not thread-safe: SshTransport's I/O thread is its only user.

#include "providers/base/error.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

namespace virtplan::providers {

class SshJump;

class SshSession {
public:
  // Connects within target.connect_timeout (through target.jumps, each hop a
  // shared SshJump), checks the host key, authenticates, then leaves the
  // session non-blocking for the I/O loop.
  static Result<std::unique_ptr<SshSession>> open(const SshTarget& target);

  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  ssh_session handle() const { return m_session; }
  // False once the server closed the connection or it broke.
  bool alive() const;
  // libssh's last error, for messages.
  std::string last_error() const;
  // The host key the server proved it holds, checked against known_hosts:
  // "ssh-ed25519 SHA256:...".
  const std::string& host_key() const { return m_host_key; }

  // Sends a keepalive@openssh.com request, which the server answers (unlike
  // an SSH ignore message), without waiting for the answer.
  void send_keepalive();
  // How long nothing has come from the server: the kernel's count for a
  // direct TCP connection, the tunnel's for a session behind a jump host.
  // With a keepalive sent every interval, a live server is never silent for
  // long.
  std::chrono::milliseconds silent_for() const;
  // Whether the server has been silent for longer than `limit` while at
  // least `count` keepalives went out: it is gone. A client that was itself
  // stopped (SIGSTOP, a suspended laptop) sent none meanwhile, and is not
  // fooled by the silence it caused.
  bool keepalives_unanswered(int count, std::chrono::milliseconds limit) const;
  // Acknowledges what the server sends at once rather than up to 40 ms later
  // (TCP_QUICKACK): sshd writes with Nagle's algorithm on (it sets
  // TCP_NODELAY for sessions with a terminal only, and a bastion's forwarded
  // channels carry many small packets), so each small packet it sends waits
  // for the acknowledgement of the one before. Linux's quick-ack mode does
  // not last: the I/O loops ask for it after every wait. A no-op behind a
  // jump host (a socketpair).
  void acknowledge_promptly() const;

private:
  explicit SshSession(ssh_session session) : m_session(session) {}

  ssh_session m_session;
  std::string m_host_key;
  // Behind a jump host: the hop (kept alive as long as this session) and
  // when the tunnel last brought bytes. Destroyed after m_session is freed.
  std::shared_ptr<SshJump> m_via;
  std::shared_ptr<std::atomic<std::int64_t>> m_last_received;
  std::deque<std::chrono::steady_clock::time_point> m_keepalives_sent;  // the newest few
};

}  // namespace virtplan::providers
