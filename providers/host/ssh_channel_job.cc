#include "providers/host/ssh_channel_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace virtplan::providers {

namespace {

constexpr size_t k_summary_length = 160;
// Written per advance() at most, so one large upload does not starve the
// other channels of the session.
constexpr size_t k_write_chunk = 256 * 1024;
// How much of a streamed stdin file is in memory at once, and how often its
// progress is reported.
constexpr size_t k_file_piece = 1024 * 1024;
constexpr size_t k_progress_every = 64 * 1024 * 1024;
// After a held command's stdin ended, how long it gets to exit before its
// channel is closed anyway.
constexpr auto k_release_wait = std::chrono::seconds(5);

}  // namespace

int signal_number(std::string_view name) {
  static constexpr std::pair<std::string_view, int> k_signals[] = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"TRAP", 5},
      {"ABRT", 6},  {"BUS", 7},   {"FPE", 8},   {"KILL", 9},  {"USR1", 10},
      {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15},
  };
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const auto& [signal, number] : k_signals) {
    if (signal == name) return number;
  }
  return 0;
}

SshChannelJob::SshChannelJob(std::string where, std::string remote_line, std::string display, Command command)
    : m_where(std::move(where)),
      m_remote_line(std::move(remote_line)),
      m_display(std::move(display)),
      m_command(std::move(command)),
      m_deadline(Clock::now() + m_command.timeout) {
  ssh_callbacks_init(&m_callbacks);
  m_callbacks.userdata = this;
  m_callbacks.channel_data_function = &SshChannelJob::on_data;
  m_callbacks.channel_close_function = &SshChannelJob::on_close;
  m_callbacks.channel_exit_status_function = &SshChannelJob::on_exit_status;
  m_callbacks.channel_exit_signal_function = &SshChannelJob::on_exit_signal;
}

SshChannelJob::~SshChannelJob() {
  if (m_state != State::finished) {
    finish(fail(ErrorCode::transport,
                fmt::format("{}: transport closed before `{}` finished", m_where, summary())));
  }
  release_channel();
}

void SshChannelJob::hold_until(std::string ready_line, std::shared_ptr<SshHoldState> state) {
  m_ready_line = std::move(ready_line) + "\n";
  m_hold = std::move(state);
}

void SshChannelJob::stream_to(std::shared_ptr<SshStreamState> state) { m_stream = std::move(state); }

std::string SshChannelJob::summary() const {
  if (m_display.size() <= k_summary_length) return m_display;
  return m_display.substr(0, k_summary_length) + "...";
}

SshChannelJob::Progress SshChannelJob::advance(ssh_session session) {
  switch (m_state) {
    case State::idle:
    case State::opening:
      return open_channel(session);
    case State::executing:
      return request_exec();
    case State::streaming:
      return stream();
    case State::finished:
      break;
  }
  return Progress::done;
}

SshChannelJob::Progress SshChannelJob::open_channel(ssh_session session) {
  if (m_state == State::idle) {
    m_channel = ssh_channel_new(session);
    if (m_channel == nullptr) {
      finish(fail(ErrorCode::transport,
                  fmt::format("{}: cannot create a channel: {}", m_where, ssh_get_error(session))));
      return Progress::done;
    }
    ssh_set_channel_callbacks(m_channel, &m_callbacks);
    m_state = State::opening;
  }
  const int rc = ssh_channel_open_session(m_channel);
  if (rc == SSH_AGAIN) return Progress::waiting;
  if (rc != SSH_OK) {
    m_ever_refused = true;
    reset();
    return Progress::refused;
  }
  m_state = State::executing;
  return request_exec();
}

SshChannelJob::Progress SshChannelJob::request_exec() {
  const int rc = ssh_channel_request_exec(m_channel, m_remote_line.c_str());
  if (rc == SSH_AGAIN) return Progress::waiting;
  if (rc != SSH_OK) {
    finish(
        fail(ErrorCode::transport, fmt::format("{}: the server refused to run `{}`: {}", m_where, summary(),
                                               ssh_get_error(ssh_channel_get_session(m_channel)))));
    return Progress::done;
  }
  m_state = State::streaming;
  if (m_stream) {
    // It runs: that is the result the caller waits for; it then runs for as
    // long as its handle lives.
    m_deadline = Clock::time_point::max();
    report(CommandOutput{});
  }
  return stream();
}

SshChannelJob::Progress SshChannelJob::stream() {
  if (m_hold) return stream_held();
  if (m_stream) return stream_duplex();
  if (auto written = write_stdin(); !written) {
    finish(fail(written.error()));
    return Progress::done;
  }
  return m_remote_closed ? finish_closed() : Progress::waiting;
}

// A held command: nothing goes to its stdin, which ends only at the release.
SshChannelJob::Progress SshChannelJob::stream_held() {
  if (!m_hold->ready.load() &&
      (m_out.starts_with(m_ready_line) || m_out.find("\n" + m_ready_line) != std::string::npos)) {
    m_hold->ready.store(true);
    m_deadline = Clock::time_point::max();
    m_next_heartbeat = Clock::now() + k_hold_heartbeat;
    report(CommandOutput{0, m_out, m_err});
  }
  send_heartbeat();
  if (m_hold->release.load() && !m_eof_sent && !m_remote_closed) {
    ssh_channel_send_eof(m_channel);
    m_eof_sent = true;
    m_deadline = Clock::now() + k_release_wait;
  }
  return m_remote_closed ? finish_closed() : Progress::waiting;
}

// The command's end, once the server closed the channel: its output, or a
// failure when no exit status or signal came with it.
SshChannelJob::Progress SshChannelJob::finish_closed() {
  if (!m_exit_status && !m_exit_signal) {
    finish(
        fail(ErrorCode::transport, fmt::format("{}: `{}` ended without an exit status", m_where, summary())));
  } else {
    finish(output());
  }
  return Progress::done;
}

// Tells a held command its client is alive (Transport::hold). The I/O loop
// passes here at least every second, so a heartbeat is at most that late. A
// byte the window cannot take now is simply skipped: the next one follows.
void SshChannelJob::send_heartbeat() {
  if (!m_hold->ready.load() || m_eof_sent || m_remote_closed || Clock::now() < m_next_heartbeat) return;
  if (ssh_channel_window_size(m_channel) > 0) ssh_channel_write(m_channel, &k_hold_heartbeat_byte, 1);
  m_next_heartbeat = Clock::now() + k_hold_heartbeat;
}

// A streamed command: what the handle queued goes to stdin as the window
// allows; its output went to the sink as it came (on_data).
SshChannelJob::Progress SshChannelJob::stream_duplex() {
  bool release = false;
  {
    std::lock_guard lock(m_stream->mutex);
    m_stream_input += m_stream->input;
    m_stream->input.clear();
    release = m_stream->release;
  }
  if (!m_eof_sent && !m_remote_closed) {
    auto written = write_some(std::string_view(m_stream_input).substr(m_stream_sent));
    if (!written) {
      finish(fail(written.error()));
      return Progress::done;
    }
    m_stream_sent += *written;
    if (m_stream_sent == m_stream_input.size()) {
      m_stream_input.clear();
      m_stream_sent = 0;
      if (release) {
        ssh_channel_send_eof(m_channel);
        m_eof_sent = true;
        m_deadline = Clock::now() + k_release_wait;
      }
    }
  }
  return m_remote_closed ? finish_closed() : Progress::waiting;
}

// Writes no more than the peer's window allows, so ssh_channel_write never
// waits: the rest goes when a window adjust arrives, while output keeps being
// read. That is what lets a large stdin and a large stdout cross.
Result<void> SshChannelJob::write_stdin() {
  if (m_eof_sent || m_remote_closed) return {};
  if (m_command.stdin_file) return write_stdin_file();
  const std::string_view data =
      m_command.stdin_data ? std::string_view(*m_command.stdin_data) : std::string_view();
  auto written = write_some(data.substr(m_stdin_written));
  if (!written) return fail(written.error());
  m_stdin_written += *written;
  if (m_stdin_written < data.size()) return {};
  ssh_channel_send_eof(m_channel);
  m_eof_sent = true;
  return {};
}

// Sends the start of `data`, at most one chunk and what the window allows;
// returns how much went.
Result<size_t> SshChannelJob::write_some(std::string_view data) {
  size_t sent = 0;
  while (sent < data.size() && sent < k_write_chunk) {
    const size_t window = ssh_channel_window_size(m_channel);
    const size_t length = std::min({window, k_write_chunk - sent, data.size() - sent});
    if (length == 0) break;
    const int rc = ssh_channel_write(m_channel, data.data() + sent, static_cast<uint32_t>(length));
    if (rc < 0) {
      return fail(ErrorCode::transport, fmt::format("{}: cannot send stdin to `{}`: {}", m_where, summary(),
                                                    ssh_get_error(ssh_channel_get_session(m_channel))));
    }
    if (rc == 0) break;
    sent += static_cast<size_t>(rc);
  }
  return sent;
}

// A file streamed to stdin: one piece (k_file_piece) in memory at a time,
// refilled once the window took the last one, so memory stays flat whatever
// the file's size.
Result<void> SshChannelJob::write_stdin_file() {
  if (!m_stdin_file.is_open()) {
    m_stdin_file.open(*m_command.stdin_file, std::ios::binary);
    if (!m_stdin_file.is_open()) {
      return fail(ErrorCode::not_found, fmt::format("{}: cannot read {} to send to `{}`", m_where,
                                                    *m_command.stdin_file, summary()));
    }
    m_piece.resize(k_file_piece);
  }
  // Up to the whole window, not one chunk per pass: the next pass comes with
  // the server's window adjust, and a file has no output to wait for.
  while (true) {
    if (m_piece_at == m_piece_size) {
      if (m_stdin_file.eof()) break;
      m_stdin_file.read(m_piece.data(), static_cast<std::streamsize>(m_piece.size()));
      m_piece_size = static_cast<size_t>(m_stdin_file.gcount());
      m_piece_at = 0;
      if (m_stdin_file.bad()) {
        return fail(ErrorCode::other, fmt::format("{}: reading {} failed while sending it to `{}`", m_where,
                                                  *m_command.stdin_file, summary()));
      }
      if (m_piece_size == 0) break;
    }
    const size_t window = ssh_channel_window_size(m_channel);
    const size_t length = std::min(window, m_piece_size - m_piece_at);
    if (length == 0) return {};
    const int rc = ssh_channel_write(m_channel, m_piece.data() + m_piece_at, static_cast<uint32_t>(length));
    if (rc < 0) {
      return fail(ErrorCode::transport,
                  fmt::format("{}: cannot send {} to `{}`: {}", m_where, *m_command.stdin_file, summary(),
                              ssh_get_error(ssh_channel_get_session(m_channel))));
    }
    m_piece_at += static_cast<size_t>(rc);
    m_stdin_written += static_cast<size_t>(rc);
    if (m_command.stdin_progress && m_stdin_written >= m_next_report) {
      m_command.stdin_progress(m_stdin_written);
      m_next_report = m_stdin_written + k_progress_every;
    }
    if (rc == 0) return {};
  }
  if (m_piece_at < m_piece_size || !m_stdin_file.eof()) return {};
  if (m_command.stdin_progress) m_command.stdin_progress(m_stdin_written);
  m_piece = std::string();
  ssh_channel_send_eof(m_channel);
  m_eof_sent = true;
  return {};
}

CommandOutput SshChannelJob::output() {
  CommandOutput result;
  result.out = std::move(m_out);
  result.err = std::move(m_err);
  if (!m_exit_signal) {
    result.exit_status = *m_exit_status;
    return result;
  }
  // A shell reports death by signal N as 128+N; callers see the same here.
  const int number = signal_number(*m_exit_signal);
  result.exit_status = number > 0 ? 128 + number : 255;
  if (!result.err.empty() && result.err.back() != '\n') result.err += '\n';
  result.err += fmt::format("{}: `{}` was killed by signal {}{}", m_where, summary(), *m_exit_signal,
                            m_core_dumped ? " (core dumped)" : "");
  return result;
}

void SshChannelJob::expire() {
  if (m_channel != nullptr && started()) {
    // Ask sshd to stop the command now: closing the channel alone leaves it
    // running. sshd honours this for non-root users only; for root the
    // host-side timeout(1) in the remote line stops it shortly after.
    ssh_channel_request_send_signal(m_channel, "TERM");
  }
  const std::string message =
      started() || !m_ever_refused
          ? fmt::format("{}: `{}` timed out after {} ms", m_where, summary(), m_command.timeout.count())
          : fmt::format(
                "{}: `{}` did not start within {} ms: the server kept refusing to "
                "open a channel (sshd MaxSessions reached)",
                m_where, summary(), m_command.timeout.count());
  const bool opening = m_state == State::opening;
  finish(fail(ErrorCode::timeout, message));
  if (!opening) release_channel();
}

bool SshChannelJob::drain() {
  if (m_channel == nullptr) return true;
  if (ssh_channel_open_session(m_channel) == SSH_AGAIN) return false;
  release_channel();
  return true;
}

void SshChannelJob::abandon(Error error) {
  finish(fail(std::move(error)));
  release_channel();
}

void SshChannelJob::reset() {
  release_channel();
  m_state = State::idle;
}

void SshChannelJob::finish(Result<CommandOutput> result) {
  if (m_state == State::finished) return;
  // A stream that ran tells its sink how it ended; one that never started
  // tells the caller of stream(), through report().
  const bool stream_ran = m_stream && m_reported;
  m_state = State::finished;
  if (stream_ran) {
    std::lock_guard lock(m_stream->sink_mutex);
    if (m_stream->sink.ended) m_stream->sink.ended(result);
  }
  report(std::move(result));
  if (m_hold && !m_hold->ended.exchange(true)) m_hold->ended_promise.set_value();
  if (m_stream && !m_stream->ended.exchange(true)) m_stream->ended_promise.set_value();
}

// Delivers the result once: a held command's comes at its ready line, long
// before it finishes.
void SshChannelJob::report(Result<CommandOutput> result) {
  if (m_reported) return;
  m_reported = true;
  m_promise.set_value(std::move(result));
}

void SshChannelJob::release_channel() {
  if (m_channel == nullptr) return;
  // libssh may keep the channel until the server acknowledges the close; it
  // must not call back into this object after that.
  ssh_remove_channel_callbacks(m_channel, &m_callbacks);
  ssh_channel_free(m_channel);
  m_channel = nullptr;
}

int SshChannelJob::on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr, void* self) {
  auto* job = static_cast<SshChannelJob*>(self);
  // A held command's output after its ready line is nobody's: drop it.
  if (job->m_hold && job->m_hold->ready.load()) return static_cast<int>(length);
  if (job->m_stream) {
    std::lock_guard lock(job->m_stream->sink_mutex);
    if (job->m_stream->sink.output) {
      job->m_stream->sink.output(std::string_view(static_cast<const char*>(data), length), is_stderr != 0);
    }
    return static_cast<int>(length);
  }
  (is_stderr != 0 ? job->m_err : job->m_out).append(static_cast<const char*>(data), length);
  return static_cast<int>(length);
}

void SshChannelJob::on_close(ssh_session, ssh_channel, void* self) {
  static_cast<SshChannelJob*>(self)->m_remote_closed = true;
}

void SshChannelJob::on_exit_status(ssh_session, ssh_channel, int status, void* self) {
  static_cast<SshChannelJob*>(self)->m_exit_status = status;
}

void SshChannelJob::on_exit_signal(ssh_session, ssh_channel, const char* signal, int core, const char*,
                                   const char*, void* self) {
  auto* job = static_cast<SshChannelJob*>(self);
  job->m_exit_signal = signal != nullptr ? signal : "?";
  job->m_core_dumped = core != 0;
}

}  // namespace virtplan::providers
