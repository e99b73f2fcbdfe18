#include "providers/host/ssh_jump.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <future>
#include <map>

namespace virtplan::providers {

namespace {

// Bytes moved per pipe and direction in one pass of the loop.
constexpr size_t k_pump_chunk = 64 * 1024;
// The loop wakes at least this often, and this soon when a socket was full.
constexpr int k_idle_wait_ms = 1000;
constexpr int k_busy_wait_ms = 5;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One SshJump per chain of hops, shared while anyone holds it. A slot's own
// mutex makes hosts that connect at once wait for the one session instead of
// each opening their own; slots of different hops never nest their locks the
// other way round (a hop only waits on the hops before it).
struct Slot {
  std::mutex mutex;
  std::weak_ptr<SshJump> jump;
};

std::mutex g_slots_mutex;
std::map<std::string, std::shared_ptr<Slot>>& slots() {
  static std::map<std::string, std::shared_ptr<Slot>> map;
  return map;
}

}  // namespace

struct SshJump::Pipe {
  std::string host;
  int port = 0;
  int fd = -1;  // our end, non-blocking
  ssh_channel channel = nullptr;
  bool open = false;
  bool socket_eof = false;
  std::string to_channel;
  std::string to_socket;
  std::promise<Result<void>> opened;
  bool answered = false;
  LastReceived last_received;

  void answer(Result<void> result) {
    if (answered) return;
    answered = true;
    opened.set_value(std::move(result));
  }
};

Result<std::shared_ptr<SshJump>> SshJump::get(const std::vector<SshTarget>& chain) {
  if (chain.empty()) return fail(ErrorCode::invalid, "no jump host to reach");
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(g_slots_mutex);
    auto& entry = slots()[jump_chain_key(chain)];
    if (!entry) entry = std::make_shared<Slot>();
    slot = entry;
  }
  std::lock_guard lock(slot->mutex);
  if (auto jump = slot->jump.lock(); jump && jump->alive()) return jump;
  SshTarget hop = chain.back();
  hop.jumps.assign(chain.begin(), chain.end() - 1);
  auto session = SshSession::open(hop);
  if (!session) return fail(session.error());
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ssh_event event = wake_fd < 0 ? nullptr : ssh_event_new();
  if (event == nullptr) {
    if (wake_fd >= 0) close(wake_fd);
    return fail(ErrorCode::other, fmt::format("{}: cannot set up the jump host's event loop", hop.where()));
  }
  std::shared_ptr<SshJump> jump(new SshJump(std::move(hop), std::move(*session), wake_fd, event));
  slot->jump = jump;
  return jump;
}

SshJump::SshJump(SshTarget hop, std::unique_ptr<SshSession> session, int wake_fd, ssh_event event)
    : m_hop(std::move(hop)), m_session(std::move(session)), m_wake_fd(wake_fd), m_event(event) {
  ssh_event_add_session(m_event, m_session->handle());
  ssh_event_add_fd(
      m_event, m_wake_fd, POLLIN,
      [](int fd, int, void*) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto got = read(fd, &count, sizeof count);
        return 0;
      },
      nullptr);
  m_thread = std::thread([this] { run(); });
}

SshJump::~SshJump() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  wake();
  m_thread.join();
  for (auto& pipe : m_pipes) finish(*pipe);
  m_pipes.clear();
  for (auto& pipe : m_requests) {
    pipe->answer(fail(ErrorCode::transport, fmt::format("{}: jump host closed", m_hop.where())));
    close(pipe->fd);
  }
  ssh_event_remove_fd(m_event, m_wake_fd);
  ssh_event_remove_session(m_event, m_session->handle());
  m_session.reset();
  ssh_event_free(m_event);
  close(m_wake_fd);
}

void SshJump::wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(m_wake_fd, &one, sizeof one);
}

Result<SshTunnel> SshJump::open_tunnel(const std::string& host, int port, std::chrono::milliseconds timeout) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return fail(ErrorCode::other, fmt::format("{}: socketpair failed", m_hop.where()));
  }
  fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK);
  auto pipe = std::make_unique<Pipe>();
  pipe->host = host;
  pipe->port = port;
  pipe->fd = ends[0];
  pipe->last_received = std::make_shared<std::atomic<std::int64_t>>(now_ns());
  auto opened = pipe->opened.get_future();
  SshTunnel tunnel{ends[1], pipe->last_received};
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping || m_dead.load()) {
      close(ends[0]);
      close(ends[1]);
      return fail(ErrorCode::unreachable,
                  fmt::format("{}: the jump host's connection is gone", m_hop.where()));
    }
    m_requests.push_back(std::move(pipe));
  }
  wake();
  if (opened.wait_for(timeout) != std::future_status::ready) {
    // The pipe sees our end close and gives its channel up.
    close(ends[1]);
    return fail(
        ErrorCode::timeout,
        fmt::format("{}: no connection to {}:{} through this jump host within the connect timeout ({} ms)",
                    m_hop.where(), host, port, timeout.count()));
  }
  if (auto result = opened.get(); !result) {
    close(ends[1]);
    return fail(result.error());
  }
  return tunnel;
}

void SshJump::run() {
  while (true) {
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) return;
      while (!m_requests.empty()) {
        auto pipe = std::move(m_requests.front());
        m_requests.pop_front();
        pipe->channel = ssh_channel_new(m_session->handle());
        ssh_event_add_fd(
            m_event, pipe->fd, POLLIN, [](int, int, void*) { return 0; }, nullptr);
        m_pipes.push_back(std::move(pipe));
        m_tunnels_opened.fetch_add(1);
      }
    }
    bool moved = false;
    bool socket_full = false;
    std::erase_if(m_pipes, [&](std::unique_ptr<Pipe>& pipe) {
      const bool keep = step(*pipe, moved);
      socket_full = socket_full || !pipe->to_socket.empty();
      if (!keep) finish(*pipe);
      return !keep;
    });
    if (const std::string reason = dead_reason(); !reason.empty()) {
      std::lock_guard lock(m_mutex);
      m_dead.store(true);
      const Error lost(ErrorCode::unreachable,
                       fmt::format("{}: connection to the jump host lost: {}", m_hop.where(), reason));
      for (auto& pipe : m_pipes) {
        pipe->answer(fail(lost));
        finish(*pipe);
      }
      m_pipes.clear();
      for (auto& pipe : m_requests) {
        pipe->answer(fail(lost));
        close(pipe->fd);
      }
      m_requests.clear();
      return;
    }
    if (!moved) ssh_event_dopoll(m_event, socket_full ? k_busy_wait_ms : k_idle_wait_ms);
    m_session->acknowledge_promptly();
  }
}

// Keepalives go to the hop itself as to any host (SshTransport): a hop that
// stops answering them for keepalive × count is taken for dead, and every
// session through it sees its socket close.
std::string SshJump::dead_reason() {
  if (!m_session->alive()) return m_session->last_error();
  if (m_hop.keepalive.count() <= 0) return {};
  const auto now = std::chrono::steady_clock::now();
  if (now - m_last_keepalive >= m_hop.keepalive) {
    m_session->send_keepalive();
    m_last_keepalive = now;
  }
  const auto limit = m_hop.keepalive * std::max(1, m_hop.keepalive_count);
  if (m_session->keepalives_unanswered(m_hop.keepalive_count, limit)) {
    return fmt::format("no answer to keepalives for {} s",
                       std::chrono::duration_cast<std::chrono::seconds>(limit).count());
  }
  return {};
}

// One pass over a pipe; false when it is over (either side closed, or the
// channel could not be opened).
bool SshJump::step(Pipe& pipe, bool& moved) {
  if (!pipe.open) {
    const int rc = ssh_channel_open_forward(pipe.channel, pipe.host.c_str(), pipe.port, "127.0.0.1", 22);
    if (rc == SSH_AGAIN) return true;
    if (rc != SSH_OK) {
      pipe.answer(fail(ErrorCode::unreachable,
                       fmt::format("{}: the jump host cannot connect to {}:{}: {}", m_hop.where(), pipe.host,
                                   pipe.port, ssh_get_error(m_session->handle()))));
      return false;
    }
    pipe.open = true;
    pipe.answer({});
    moved = true;
  }
  char buffer[k_pump_chunk];
  if (pipe.to_channel.empty() && !pipe.socket_eof) {
    const ssize_t got = read(pipe.fd, buffer, sizeof buffer);
    if (got > 0) {
      pipe.to_channel.assign(buffer, static_cast<size_t>(got));
      moved = true;
    } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      pipe.socket_eof = true;
    }
  }
  if (!pipe.to_channel.empty()) {
    const size_t length = std::min<size_t>(ssh_channel_window_size(pipe.channel), pipe.to_channel.size());
    if (length > 0) {
      const int sent = ssh_channel_write(pipe.channel, pipe.to_channel.data(), static_cast<uint32_t>(length));
      if (sent < 0) return false;
      pipe.to_channel.erase(0, static_cast<size_t>(sent));
      moved = moved || sent > 0;
    }
  }
  // The session behind closed its socket: it is done with this tunnel.
  if (pipe.socket_eof && pipe.to_channel.empty()) return false;
  if (pipe.to_socket.empty()) {
    const int got = ssh_channel_read_nonblocking(pipe.channel, buffer, sizeof buffer, 0);
    if (got == SSH_ERROR) return false;
    if (got > 0) {
      pipe.to_socket.assign(buffer, static_cast<size_t>(got));
      pipe.last_received->store(now_ns());
      moved = true;
    } else if (ssh_channel_is_eof(pipe.channel) != 0 || ssh_channel_is_closed(pipe.channel) != 0) {
      return false;
    }
  }
  if (!pipe.to_socket.empty()) {
    const ssize_t written = write(pipe.fd, pipe.to_socket.data(), pipe.to_socket.size());
    if (written > 0) {
      pipe.to_socket.erase(0, static_cast<size_t>(written));
      moved = true;
    } else if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    }
  }
  return true;
}

// Closing our end tells the session behind that the tunnel is gone.
void SshJump::finish(Pipe& pipe) {
  pipe.answer(fail(ErrorCode::unreachable,
                   fmt::format("{}: the tunnel to {}:{} closed", m_hop.where(), pipe.host, pipe.port)));
  if (pipe.fd >= 0) {
    ssh_event_remove_fd(m_event, pipe.fd);
    close(pipe.fd);
    pipe.fd = -1;
  }
  if (pipe.channel != nullptr) {
    if (pipe.open && ssh_channel_is_closed(pipe.channel) == 0) ssh_channel_close(pipe.channel);
    ssh_channel_free(pipe.channel);
    pipe.channel = nullptr;
  }
}

}  // namespace virtplan::providers
