#pragma once

// SshChannelJob is one command on its way through one channel of an SSH
// session: open the channel, exec, stream stdin, collect output, report. It
// never blocks; SshTransport's I/O thread calls advance() whenever the session
// may have moved, and is its only user.

#include "providers/base/error.h"
#include "providers/host/transport.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace virtplan::providers {

// What a held command's handle and its job share (Transport::hold): the
// handle asks for the release, the job says when the command ended.
struct SshHoldState {
  std::atomic<bool> ready{false};    // the ready line came: the result is the hold
  std::atomic<bool> release{false};  // the handle is gone: end the command
  std::atomic<bool> ended{false};
  std::promise<void> ended_promise;  // set once, when `ended` becomes true
};

// What a streamed command's handle and its job share (Transport::stream):
// the handle queues stdin and asks for the release, the job sends the one
// and does the other, feeds the sink and says when the command ended.
struct SshStreamState {
  std::mutex mutex;      // guards input and release
  std::string input;     // queued by the handle, not yet taken by the job
  bool release = false;  // the handle is gone: end stdin once input is sent
  std::atomic<bool> ended{false};
  std::promise<void> ended_promise;  // set once, when `ended` becomes true
  // Calls reach the sink under this lock, so once the handle emptied the
  // sink (under it) nothing reaches its owner any more.
  std::mutex sink_mutex;
  StreamSink sink;
};

class SshChannelJob {
public:
  using Clock = std::chrono::steady_clock;

  enum class Progress {
    waiting,  // for the server: the next advance() may move on
    done,     // finished, the result is delivered
    refused,  // the server refused the channel: retry on a new one later
  };

  // `where` prefixes messages ("lab1 (10.231.1.2:22)"); `remote_line` is the
  // already quoted shell line the server runs; `display` is the command as
  // messages show it. The timeout counts from now.
  SshChannelJob(std::string where, std::string remote_line, std::string display, Command command);
  ~SshChannelJob();
  SshChannelJob(const SshChannelJob&) = delete;
  SshChannelJob& operator=(const SshChannelJob&) = delete;

  std::future<Result<CommandOutput>> result() { return m_promise.get_future(); }

  // Makes this a held command (Transport::hold): stdin stays open; once stdout
  // holds `ready_line`, the result is delivered with `state->ready` set and
  // the command runs on, with no deadline, until `state->release` (then its
  // stdin ends) or until it ends on its own or the session dies.
  void hold_until(std::string ready_line, std::shared_ptr<SshHoldState> state);
  // Makes this a streamed command (Transport::stream): the result is
  // delivered once the command runs; from then on it has no deadline, its
  // stdin comes from `state->input` and its output goes to the sink, until
  // `state->release` (then its stdin ends), it ends, or the session dies.
  void stream_to(std::shared_ptr<SshStreamState> state);
  // True while this holds a command past its ready line, or streams one: it
  // keeps its channel for an unbounded time, so no other command may wait
  // for that channel.
  // True while this holds a command past its ready line that no one asked
  // to release: what the command holds (a lock) goes when its session does.
  bool holds_unreleased() const {
    return m_state != State::finished && m_hold && m_hold->ready.load() && !m_hold->release.load();
  }
  bool holding() const {
    if (m_state == State::finished) return false;
    return (m_hold && m_hold->ready.load()) || (m_stream && m_state == State::streaming);
  }

  Progress advance(ssh_session session);

  // True once the exec request went out: from then on the command may have
  // run, so it must not be sent again on another connection.
  bool started() const { return m_state >= State::executing; }
  bool finished() const { return m_state == State::finished; }
  Clock::time_point deadline() const { return m_deadline; }

  // The deadline passed: stop the remote command, free the channel, report.
  // A channel whose open the server has not answered yet is kept: see drain().
  void expire();
  // After expire(): true while a channel open is still unanswered. SSH cannot
  // cancel an open, and a channel freed before the server's answer would stay
  // open on the server, holding one of its MaxSessions slots for good.
  bool open_pending() const { return m_channel != nullptr; }
  // Waits (without blocking) for that answer, then closes and frees the
  // channel; true once done.
  bool drain();
  // Reports an error and frees the channel.
  void abandon(Error error);
  // Forgets a channel that never got to exec (refused, or its session died),
  // so the job can be sent again.
  void reset();
  // True the first time only: a command whose session died before it started
  // is sent again on a new session once, never more.
  bool claim_resend() { return !std::exchange(m_resent, true); }

  // The command as messages show it, shortened.
  std::string summary() const;

private:
  enum class State { idle, opening, executing, streaming, finished };

  Progress open_channel(ssh_session session);
  Progress request_exec();
  Progress stream();
  Result<void> write_stdin();
  Result<std::size_t> write_some(std::string_view data);
  Progress stream_duplex();
  Result<void> write_stdin_file();
  void finish(Result<CommandOutput> result);
  void report(Result<CommandOutput> result);
  Progress stream_held();
  Progress finish_closed();
  void send_heartbeat();
  CommandOutput output();
  void release_channel();

  static int on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr, void* self);
  static void on_close(ssh_session, ssh_channel, void* self);
  static void on_exit_status(ssh_session, ssh_channel, int status, void* self);
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int core, const char* message,
                             const char* language, void* self);

  const std::string m_where;
  const std::string m_remote_line;
  const std::string m_display;
  const Command m_command;
  Clock::time_point m_deadline;
  std::promise<Result<CommandOutput>> m_promise;
  bool m_reported = false;
  std::string m_ready_line;                  // held commands only
  std::shared_ptr<SshHoldState> m_hold;      // held commands only
  Clock::time_point m_next_heartbeat{};      // held commands: the next k_hold_heartbeat_byte
  std::shared_ptr<SshStreamState> m_stream;  // streamed commands only
  std::string m_stream_input;                // taken from the state, not yet sent
  std::size_t m_stream_sent = 0;             // of m_stream_input
  State m_state = State::idle;
  bool m_ever_refused = false;
  bool m_resent = false;
  ssh_channel m_channel = nullptr;
  ssh_channel_callbacks_struct m_callbacks{};
  size_t m_stdin_written = 0;
  // Command::stdin_file: the open file and the piece of it being sent.
  std::ifstream m_stdin_file;
  std::string m_piece;
  size_t m_piece_size = 0;
  size_t m_piece_at = 0;
  size_t m_next_report = 0;
  bool m_eof_sent = false;
  bool m_remote_closed = false;
  std::string m_out;
  std::string m_err;
  std::optional<int> m_exit_status;
  std::optional<std::string> m_exit_signal;
  bool m_core_dumped = false;
};

// The number of a signal named as SSH names it ("KILL" -> 9); 0 when unknown.
int signal_number(std::string_view name);

}  // namespace virtplan::providers
