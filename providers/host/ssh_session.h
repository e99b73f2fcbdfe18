#pragma once

// SshSession is one connected, host-verified, authenticated libssh session. It
// is not thread-safe: SshTransport's I/O thread is its only user.

#include "providers/base/error.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

#include <memory>

namespace virtplan::providers {

class SshSession {
public:
  // Connects within target.connect_timeout, checks the host key, authenticates,
  // then leaves the session non-blocking for the I/O loop.
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

private:
  explicit SshSession(ssh_session session) : m_session(session) {}

  ssh_session m_session;
  std::string m_host_key;
};

}  // namespace virtplan::providers
