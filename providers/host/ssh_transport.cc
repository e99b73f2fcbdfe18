#include "providers/host/ssh_transport.h"

#include "providers/host/shell_quote.h"

#include <fmt/format.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>

namespace virtplan::providers {

namespace {

// Channels open at once on the one session. sshd allows MaxSessions (default
// 10) per connection; 8 stays below it with room for channels the server has
// not finished closing (a timed-out command's child still exiting). More
// commands wait for a free slot instead of opening more connections: one
// session per host keeps to one handshake and one known_hosts check, and
// MaxStartups never comes into play. A server configured lower than 8 refuses
// the extra opens; the refused command waits for a slot and retries.
constexpr size_t k_max_channels = 8;
// After a refusal with no channel of ours about to close, try again this late.
constexpr auto k_refusal_backoff = std::chrono::milliseconds(500);
// How much later than the transport the host's timeout(1) stops a command.
constexpr auto k_remote_grace = std::chrono::seconds(2);
// The loop wakes at least this often even with nothing to do.
constexpr int k_max_wait_ms = 1000;

}  // namespace

Result<std::unique_ptr<SshTransport>> SshTransport::create(const HostConfig& config) {
  auto target = resolve_ssh_target(config);
  if (!target) return fail(target.error());
  // Never silently ignored: what ssh_config asks and virtplan does not do.
  for (const std::string& warning : target->warnings)
    fmt::print(stderr, "warning: {}: {}\n", config.name, warning);
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) return fail(ErrorCode::other, fmt::format("{}: eventfd failed", config.name));
  ssh_event event = ssh_event_new();
  if (event == nullptr) {
    close(wake_fd);
    return fail(ErrorCode::other, fmt::format("{}: ssh_event_new failed", config.name));
  }
  return std::unique_ptr<SshTransport>(new SshTransport(std::move(*target), wake_fd, event));
}

SshTransport::SshTransport(SshTarget target, int wake_fd, ssh_event event)
    : m_target(std::move(target)), m_wake_fd(wake_fd), m_event(event) {
  ssh_event_add_fd(m_event, m_wake_fd, POLLIN, &SshTransport::on_wake, this);
  m_thread = std::thread([this] { io_loop(); });
}

SshTransport::~SshTransport() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_first_connect_changed.notify_all();
  wake();
  m_thread.join();
  ssh_event_remove_fd(m_event, m_wake_fd);
  ssh_event_free(m_event);
  close(m_wake_fd);
}

std::string SshTransport::remote_line(const Command& command) const {
  // HostConfig.become is not applied here: VirshRunner puts `sudo -n` in
  // front of the commands that need it.
  std::vector<std::string> argv;
  // Closing a channel does not stop its command, and sshd ignores signal
  // requests on root sessions (they need privilege separation). So the host's
  // own timeout(1) stops it too, a little after ours fires: TERM, then KILL.
  // It kills the command's whole process group, and re-raises a signal the
  // command died of, so exit statuses and signals come through unchanged.
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(command.timeout) + k_remote_grace;
  argv.insert(argv.end(), {"timeout", "-k", "5", fmt::format("{}", seconds.count())});
  argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  return shell_join(argv);
}

// The handle of a held command: asks the I/O thread to end it, and waits a
// little for the host to confirm, so that a lock released here is free there
// when the destructor returns.
class SshTransport::Held final : public HeldCommand {
public:
  Held(const SshTransport& transport, std::shared_ptr<SshHoldState> state)
      : m_transport(transport), m_state(std::move(state)), m_ended(m_state->ended_promise.get_future()) {}
  ~Held() override {
    if (m_state->ended.load()) return;  // also: the transport may be gone
    m_state->release.store(true);
    m_transport.wake();
    // The job gives the command k_release_wait after its stdin ended, then
    // closes the channel: this wait is only a bound.
    m_ended.wait_for(std::chrono::seconds(10));
  }
  bool running() const override { return !m_state->ended.load(); }

private:
  const SshTransport& m_transport;
  std::shared_ptr<SshHoldState> m_state;
  std::future<void> m_ended;
};

// The handle of a streamed command: queues stdin for the I/O thread, and at
// the end asks it to close stdin and waits a little for the command to end,
// as Held does. After that the sink is emptied: whatever the command still
// does, nothing reaches the sink's owner, which may be going away.
class SshTransport::Stream final : public CommandStream {
public:
  Stream(const SshTransport& transport, std::shared_ptr<SshStreamState> state)
      : m_transport(transport), m_state(std::move(state)), m_ended(m_state->ended_promise.get_future()) {}
  ~Stream() override {
    if (!m_state->ended.load()) {
      {
        std::lock_guard lock(m_state->mutex);
        m_state->release = true;
      }
      m_transport.wake();
      m_ended.wait_for(std::chrono::seconds(10));
    }
    std::lock_guard lock(m_state->sink_mutex);
    m_state->sink = {};
  }
  Result<void> write(std::string data) override {
    {
      std::lock_guard lock(m_state->mutex);
      if (m_state->ended.load() || m_state->release) {
        return fail(ErrorCode::transport,
                    fmt::format("{}: the streamed command has ended", m_transport.host_name()));
      }
      m_state->input += data;
    }
    m_transport.wake();
    return {};
  }

private:
  const SshTransport& m_transport;
  std::shared_ptr<SshStreamState> m_state;
  std::future<void> m_ended;
};

Result<std::future<Result<CommandOutput>>> SshTransport::submit(JobPointer job) {
  auto result = job->result();
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return fail(ErrorCode::transport, fmt::format("{}: transport is closing", m_target.where()));
    }
    if (m_never_connected) return fail(*m_never_connected);
    m_submitted.push_back(std::move(job));
  }
  wake();
  return result;
}

Result<CommandOutput> SshTransport::run(const Command& command) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: empty command", m_target.where()));
  }
  auto result = submit(std::make_unique<SshChannelJob>(m_target.where(), remote_line(command),
                                                       shell_join(command.argv), command));
  if (!result) return fail(result.error());
  return result->get();
}

Result<HoldOutcome> SshTransport::hold(const Command& command, std::string_view ready_line) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: empty command", m_target.where()));
  }
  Command held = command;
  held.stdin_data.reset();
  auto job =
      std::make_unique<SshChannelJob>(m_target.where(), shell_join(held.argv), shell_join(held.argv), held);
  auto state = std::make_shared<SshHoldState>();
  job->hold_until(std::string(ready_line), state);
  auto result = submit(std::move(job));
  if (!result) return fail(result.error());
  auto output = result->get();
  if (!output) return fail(output.error());
  HoldOutcome outcome;
  if (state->ready.load()) {
    outcome.held = std::make_unique<Held>(*this, state);
  } else {
    outcome.ended = std::move(*output);
  }
  return outcome;
}

Result<std::unique_ptr<CommandStream>> SshTransport::stream(const Command& command, StreamSink sink) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: empty command", m_target.where()));
  }
  Command streamed = command;
  streamed.stdin_data.reset();
  streamed.stdin_file.reset();
  auto job = std::make_unique<SshChannelJob>(m_target.where(), shell_join(streamed.argv),
                                             shell_join(streamed.argv), streamed);
  auto state = std::make_shared<SshStreamState>();
  state->sink = std::move(sink);
  job->stream_to(state);
  auto result = submit(std::move(job));
  if (!result) return fail(result.error());
  auto started = result->get();
  if (!started) return fail(started.error());
  return std::unique_ptr<CommandStream>(std::make_unique<Stream>(*this, std::move(state)));
}

Result<void> SshTransport::connect() {
  std::unique_lock lock(m_mutex);
  if (!m_first_connect_ended) {
    m_connect_asked = true;
    wake();
    m_first_connect_changed.wait(lock, [this] { return m_first_connect_ended || m_stopping; });
  }
  if (m_never_connected) return fail(*m_never_connected);
  if (!m_first_connect_ended) {
    return fail(ErrorCode::transport, fmt::format("{}: transport is closing", m_target.where()));
  }
  return {};
}

std::string SshTransport::host_key() const {
  std::lock_guard lock(m_mutex);
  return m_host_key;
}

void SshTransport::wake() const {
  const uint64_t one = 1;
  [[maybe_unused]] auto written = write(m_wake_fd, &one, sizeof one);
}

int SshTransport::on_wake(int fd, int, void*) {
  uint64_t count = 0;
  [[maybe_unused]] auto got = read(fd, &count, sizeof count);
  return 0;
}

void SshTransport::io_loop() {
  while (collect_submissions()) {
    ensure_session();
    start_waiting_jobs();
    advance_active_jobs();
    expire_jobs();
    drain_expired_opens();
    check_session();
    send_keepalive();
    wait_for_events();
  }
  shut_down();
}

// Moves what run() submitted into the I/O thread's own queue; false once the
// destructor asked the loop to end.
bool SshTransport::collect_submissions() {
  std::lock_guard lock(m_mutex);
  while (!m_submitted.empty()) {
    m_waiting.push_back(std::move(m_submitted.front()));
    m_submitted.pop_front();
  }
  return !m_stopping;
}

// Connects when commands wait and there is no session: at the first command,
// and again once after the session died. When connecting fails, every waiting
// command fails with that error rather than waiting for its own timeout; when
// the very first connection fails, so does every later command, at once.
void SshTransport::ensure_session() {
  {
    std::lock_guard lock(m_mutex);
    if (m_session || (m_waiting.empty() && !m_connect_asked)) return;
    // The session that held the stack lock died: no new one (check_session).
    if (m_hold_lost) {
      for (auto& job : m_waiting) job->abandon(*m_hold_lost);
      m_waiting.clear();
      m_connect_asked = false;
      return;
    }
  }
  auto session = SshSession::open(m_target);
  std::lock_guard lock(m_mutex);
  m_connect_asked = false;
  if (!session) {
    if (m_sessions_opened.load() == 0) {
      m_never_connected = session.error();
      // Those submitted while the connection was tried fail the same way.
      for (auto& job : m_submitted) m_waiting.push_back(std::move(job));
      m_submitted.clear();
    }
    for (auto& job : m_waiting) job->abandon(session.error());
    m_waiting.clear();
  } else {
    m_session = std::move(*session);
    m_sessions_opened.fetch_add(1);
    ssh_event_add_session(m_event, m_session->handle());
    m_last_keepalive = Clock::now();
    m_host_key = m_session->host_key();
  }
  m_first_connect_ended = true;
  m_first_connect_changed.notify_all();
}

void SshTransport::start_waiting_jobs() {
  if (!m_session || Clock::now() < m_opening_blocked_until) return;
  while (!m_waiting.empty() && m_active.size() < k_max_channels) {
    m_active.push_back(std::move(m_waiting.front()));
    m_waiting.pop_front();
  }
}

void SshTransport::advance_active_jobs() {
  if (!m_session) return;
  std::vector<JobPointer> still_active;
  std::vector<JobPointer> refused;
  for (auto& job : m_active) {
    const auto progress = job->advance(m_session->handle());
    if (progress == SshChannelJob::Progress::waiting) {
      still_active.push_back(std::move(job));
    } else if (progress == SshChannelJob::Progress::refused) {
      job->reset();
      refused.push_back(std::move(job));
    } else {
      // A slot is free on the server: a refused open may now succeed.
      m_opening_blocked_until = {};
    }
  }
  m_active = std::move(still_active);
  if (refused.empty()) return;
  // Refused commands go first when a slot frees: one of ours closing frees
  // one; with none of ours open, try again after a pause.
  m_waiting.insert(m_waiting.begin(), std::make_move_iterator(refused.begin()),
                   std::make_move_iterator(refused.end()));
  // A held command's channel closes only at its release: it does not count.
  const bool one_will_close =
      std::ranges::any_of(m_active, [](const JobPointer& job) { return !job->holding(); });
  m_opening_blocked_until = one_will_close ? Clock::time_point::max() : Clock::now() + k_refusal_backoff;
}

void SshTransport::expire_jobs() {
  const auto now = Clock::now();
  const auto expired = [now](const JobPointer& job) { return now >= job->deadline(); };
  for (auto& job : m_active) {
    if (!expired(job)) continue;
    job->expire();
    // A slot may be free on the server now.
    m_opening_blocked_until = {};
    if (job->open_pending()) m_draining.push_back(std::move(job));
  }
  std::erase_if(m_active, [&](const JobPointer& job) { return !job || expired(job); });
  std::erase_if(m_waiting, [&](const JobPointer& job) {
    if (!expired(job)) return false;
    job->expire();
    return true;
  });
}

void SshTransport::drain_expired_opens() {
  std::erase_if(m_draining, [](const JobPointer& job) { return job->drain(); });
}

// A session the server closed (or that broke) is dropped. Commands already
// started on it fail: they may have run, and running them twice is not safe.
// Commands not started yet go back to the queue and a new session is opened
// for them, once; except when the session held a command that was not
// released (the stack lock): what it held is gone, the commands queued
// behind it counted on it, so they fail and no session opens again
// (architecture.md, decision 10). The held command ends first, so that
// whoever checks it sees it gone before any other command here fails.
void SshTransport::check_session() {
  if (!m_session) return;
  std::string reason;
  if (!m_session->alive()) {
    reason = m_session->last_error();
  } else if (const auto limit = m_target.keepalive * std::max(1, m_target.keepalive_count);
             m_target.keepalive.count() > 0 &&
             m_session->keepalives_unanswered(m_target.keepalive_count, limit)) {
    // Keepalives are answered: this much silence means the path is gone
    // (a dropped connection sends no reset), and waiting for each command's
    // timeout would only waste it.
    reason = fmt::format("no answer to {} keepalives in {} s: the connection is dead",
                         std::max(1, m_target.keepalive_count),
                         std::chrono::duration_cast<std::chrono::seconds>(limit).count());
  } else {
    return;
  }
  for (auto& job : m_active) {
    if (!job->holds_unreleased()) continue;
    m_hold_lost =
        Error(ErrorCode::locked,
              fmt::format("{}: connection lost while holding `{}` ({}); no new connection is opened, "
                          "since what it held is gone",
                          m_target.where(), job->summary(), reason));
    job->abandon(*m_hold_lost);
  }
  std::vector<JobPointer> resend;
  for (auto& job : m_active) {
    if (job->finished()) continue;
    if (!m_hold_lost && !job->started() && job->claim_resend()) {
      job->reset();
      resend.push_back(std::move(job));
    } else if (m_hold_lost && !job->started()) {
      job->abandon(*m_hold_lost);
    } else {
      job->abandon(Error(ErrorCode::transport, fmt::format("{}: connection lost while running `{}`: {}",
                                                           m_target.where(), job->summary(), reason)));
    }
  }
  m_active.clear();
  m_waiting.insert(m_waiting.begin(), std::make_move_iterator(resend.begin()),
                   std::make_move_iterator(resend.end()));
  m_opening_blocked_until = {};
  drop_session();
}

// A keepalive@openssh.com request every `keepalive` keeps NAT and firewall
// state alive on an idle session, and its answer proves the server is still
// there: check_session() drops a session silent for keepalive × count.
void SshTransport::send_keepalive() {
  if (!m_session || m_target.keepalive.count() <= 0) return;
  const auto now = Clock::now();
  if (now - m_last_keepalive < m_target.keepalive) return;
  m_session->send_keepalive();
  m_last_keepalive = now;
}

void SshTransport::wait_for_events() {
  const int timeout_ms = next_wait_ms();
  if (timeout_ms == 0) return;
  ssh_event_dopoll(m_event, timeout_ms);
  if (m_session) m_session->acknowledge_promptly();
}

int SshTransport::next_wait_ms() const {
  {
    std::lock_guard lock(m_mutex);
    if (!m_submitted.empty() || m_stopping) return 0;
  }
  const auto now = Clock::now();
  auto until = now + std::chrono::milliseconds(k_max_wait_ms);
  for (const auto& job : m_active) until = std::min(until, job->deadline());
  for (const auto& job : m_waiting) until = std::min(until, job->deadline());
  if (!m_waiting.empty() && m_opening_blocked_until != Clock::time_point::max()) {
    until = std::min(until, std::max(now, m_opening_blocked_until));
  }
  if (m_session && m_target.keepalive.count() > 0)
    until = std::min(until, m_last_keepalive + m_target.keepalive);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
  // Round up so a deadline is past when the loop looks again.
  return static_cast<int>(std::clamp<long long>(wait + 1, 0, k_max_wait_ms));
}

void SshTransport::drop_session() {
  if (!m_session) return;
  // Their channels belong to this session and go before it.
  m_draining.clear();
  ssh_event_remove_session(m_event, m_session->handle());
  m_session.reset();
}

void SshTransport::shut_down() {
  const Error closing(ErrorCode::transport,
                      fmt::format("{}: transport closed before the command finished", m_target.where()));
  for (auto& job : m_active) job->abandon(closing);
  for (auto& job : m_waiting) job->abandon(closing);
  m_active.clear();
  m_waiting.clear();
  std::lock_guard lock(m_mutex);
  for (auto& job : m_submitted) job->abandon(closing);
  m_submitted.clear();
  // Channels are freed (by the jobs) before the session they belong to.
  drop_session();
}

}  // namespace virtplan::providers
