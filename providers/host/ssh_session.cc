#include "providers/host/ssh_session.h"

#include "providers/host/known_hosts.h"
#include "providers/host/ssh_auth.h"
#include "providers/host/ssh_jump.h"

#include <fmt/format.h>
// ssh_send_keepalive() is declared with the server API, but is a client
// request as well (a keepalive@openssh.com global request).
#include <libssh/server.h>

#include <algorithm>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace virtplan::providers {

namespace {

Result<void> set_options(ssh_session session, const SshTarget& target) {
  const long seconds = static_cast<long>(target.connect_timeout.count() / 1000);
  const long microseconds = static_cast<long>(target.connect_timeout.count() % 1000) * 1000;
  const unsigned port = static_cast<unsigned>(target.port);
  // ~/.ssh/config is not read: the stack says everything about a host, and a
  // personal config must not change what a CI run does.
  const int no = 0;
  // Commands and their answers are small messages, several in flight on one
  // connection (two virsh shells, and every host behind a jump host on the
  // hop's one connection): with Nagle's algorithm a message waits for the
  // peer's (delayed, up to 40 ms) acknowledgement of the one before, which
  // made each round trip through a bastion ~60 ms. What OpenSSH's client
  // does for interactive sessions.
  const int yes = 1;
  // The system file is replaced by /dev/null when the stack names its own
  // known_hosts, so exactly one file decides and the messages can name it.
  const char* system_file = target.system_known_hosts == SystemKnownHosts::ignored
                                ? "/dev/null"
                                : target.global_known_hosts.c_str();
  const bool ok = ssh_options_set(session, SSH_OPTIONS_HOST, target.hostname.c_str()) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_PORT, &port) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_USER, target.user.c_str()) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &microseconds) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &no) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_NODELAY, &yes) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, target.known_hosts.c_str()) == 0 &&
                  ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, system_file) == 0;
  if (!ok) {
    return fail(ErrorCode::invalid,
                fmt::format("{}: bad ssh option: {}", target.where(), ssh_get_error(session)));
  }
  return {};
}

// Whether the TCP connection stands although the SSH handshake failed: then
// something listens on the port.
bool tcp_connected(ssh_session session) {
  const socket_t fd = ssh_get_fd(session);
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  return fd != SSH_INVALID_SOCKET && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0;
}

// libssh reports a connect timeout as "Timeout connecting to HOST"; anything
// else (refused, no route, DNS) means the host cannot be reached. A server
// that took the connection but never greeted (no SSH banner) is said as such:
// "timeout connecting" would send the reader to check the network or sshd,
// when the port holds something that is not an SSH server, or a hung one.
Error connect_error(ssh_session session, const SshTarget& target) {
  if (ssh_get_serverbanner(session) == nullptr && tcp_connected(session)) {
    return Error(
        ErrorCode::timeout,
        fmt::format("{}: the connection was accepted but no SSH server answered within the connect "
                    "timeout ({} ms): nothing greeted with an SSH banner (is port {} an SSH server?)",
                    target.where(), target.connect_timeout.count(), target.port));
  }
  const std::string reason = ssh_get_error(session);
  const bool timed_out = reason.find("Timeout") != std::string::npos ||
                         reason.find("timeout") != std::string::npos ||
                         reason.find("timed out") != std::string::npos;
  return Error(timed_out ? ErrorCode::timeout : ErrorCode::unreachable,
               fmt::format("{}: cannot connect (connect timeout {} ms): {}", target.where(),
                           target.connect_timeout.count(), reason));
}

}  // namespace

Result<std::unique_ptr<SshSession>> SshSession::open(const SshTarget& target) {
  ssh_session raw = ssh_new();
  if (raw == nullptr) return fail(ErrorCode::other, fmt::format("{}: ssh_new failed", target.where()));
  // Owned from here, so every early return below disconnects and frees it.
  std::unique_ptr<SshSession> session(new SshSession(raw));
  if (auto set = set_options(raw, target); !set) return fail(set.error());
  if (!target.jumps.empty()) {
    auto jump = SshJump::get(target.jumps);
    if (!jump) return fail(jump.error());
    auto tunnel = (*jump)->open_tunnel(target.hostname, target.port, target.connect_timeout);
    if (!tunnel) {
      return fail(tunnel.error().code(), fmt::format("{}: {}", target.where(), tunnel.error().message()));
    }
    // libssh owns the socket from here and closes it with the session.
    if (ssh_options_set(raw, SSH_OPTIONS_FD, &tunnel->fd) != 0) {
      close(tunnel->fd);
      return fail(ErrorCode::other, fmt::format("{}: cannot hand the tunnel to libssh", target.where()));
    }
    session->m_via = std::move(*jump);
    session->m_last_received = std::move(tunnel->last_received);
  }
  if (ssh_connect(raw) != SSH_OK) return fail(connect_error(raw, target));
  if (auto known = verify_host_key(raw, target); !known) return fail(known.error());
  auto key = server_key_text(raw, target);
  if (!key) return fail(key.error());
  session->m_host_key = std::move(*key);
  if (auto auth = authenticate(raw, target); !auth) return fail(auth.error());
  ssh_set_blocking(raw, 0);
  return session;
}

SshSession::~SshSession() {
  ssh_disconnect(m_session);
  ssh_free(m_session);
}

bool SshSession::alive() const {
  return ssh_is_connected(m_session) != 0 &&
         (ssh_get_status(m_session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

std::string SshSession::last_error() const { return ssh_get_error(m_session); }

void SshSession::send_keepalive() {
  // libssh keeps one global request in flight: the first call collects the
  // answer to the previous request (if it came), the second sends a new one.
  ssh_send_keepalive(m_session);
  ssh_send_keepalive(m_session);
  m_keepalives_sent.push_back(std::chrono::steady_clock::now());
  if (m_keepalives_sent.size() > 64) m_keepalives_sent.pop_front();
}

bool SshSession::keepalives_unanswered(int count, std::chrono::milliseconds limit) const {
  const auto silence = silent_for();
  if (silence <= limit) return false;
  const auto since = std::chrono::steady_clock::now() - silence;
  const auto sent = std::ranges::count_if(m_keepalives_sent, [since](auto at) { return at > since; });
  return sent >= std::max(1, count);
}

void SshSession::acknowledge_promptly() const {
  if (m_last_received) return;
  const socket_t fd = ssh_get_fd(m_session);
  if (fd == SSH_INVALID_SOCKET) return;
  const int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &yes, sizeof yes);
}

std::chrono::milliseconds SshSession::silent_for() const {
  if (m_last_received) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        now - std::chrono::nanoseconds(m_last_received->load()));
  }
  tcp_info info{};
  socklen_t length = sizeof info;
  const socket_t fd = ssh_get_fd(m_session);
  if (fd == SSH_INVALID_SOCKET || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(info.tcpi_last_data_recv);
}

}  // namespace virtplan::providers
