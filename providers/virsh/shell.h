#pragma once

// VirshShell is one virsh process kept running on a host, fed one command
// after another as callers ask, so that a command costs what libvirtd takes
// to do it and not a new virsh process and connection (~40 ms on the host,
// plus a channel over SSH). Several threads may call run() at once: their
// commands go to virsh in the order they came, back to back, while each
// caller waits for its own result.
//
// On the host it is an sh reading its script from the stream's stdin
// (`[sudo -n] sh -s virsh -q -c URI`). A prelude (k_prelude in the .cc) makes
// a private temporary directory, starts virsh in it reading commands from a
// fifo, and removes the directory when the stream ends (which also ends
// virsh). Then each call is a few lines of sh:
//
//   printf '%s' '<the document>' > d7      (only for a call with a document)
//   printf '%s\n' '<virsh line>' >&3
//
// where the virsh lines are the command, then its end marker:
//
//   CMD
//   echo --err MARKER
//
// on a line of their own, because virsh parses a whole line before it runs
// any of it: an option or a command that this host's virsh does not know
// fails the line it is on (virsh says so on stderr), and the marker must
// still come, or the call would take the next call's output and the next
// call would wait for the runner's timeout.
//
// MARKER is 11 random letters and digits (~65 bits), the same for every call
// of one shell and new for each shell, so no object's XML can forge it. virsh
// reads its commands with readline, which echoes each line after its prompt
// ("virsh # "), to stdout, before running it: under TERM=dumb in
// horizontal-scroll mode, so the prompt and the echoed line are one line
// however long (mangled, never wrapped; the end line is short, so its echo
// is exact). On stdout, after the previous call's end, the first newline
// ends this call's echoed command, and the text from there up to the end
// line's echo ("echo --err MARKER\n") is the command's output followed by
// the end line's prompt (removed). On stderr the text since the previous
// call's end up to "error: MARKER\n" is its errors (calls are answered in
// the order they were sent). One marker ends both streams: an `echo MARKER`
// for stdout too cost virsh ~20 more bytes to read per call, each byte a
// few system calls (below), for what the end line's echo already says.
// Documents and virsh lines are quoted with shell_quote(), so sh expands
// nothing in them.
//
// Readline reads the line one byte at a time, a few system calls per byte
// (~3: measured with strace on the lab hosts, where those bytes were 60% of
// a shell's system calls), and that cost is paid inside the host's one
// virsh loop: the end line is kept short (one marker of 11 characters; it
// was 16 hex digits and a call number, thrice, then the marker twice).
//
// Only commands whose words are printable ASCII are sent (takes()): readline
// reads one line per command and would act on control characters, and may
// mangle 8-bit ones under the host's locale.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

class VirshShell {
public:
  // Starts the shell; fails when the transport cannot stream or the command
  // does not start.
  static Result<std::unique_ptr<VirshShell>> start(Transport& transport, const std::string& uri,
                                                   Become become);
  // Ends the shell's input, which ends it, and waits a little for that.
  ~VirshShell();
  VirshShell(const VirshShell&) = delete;
  VirshShell& operator=(const VirshShell&) = delete;

  // Whether run() can send this call: every word printable ASCII.
  static bool takes(const VirshCall& call);

  // What became of a call: its output or virsh's error, or nothing when the
  // shell ended before the call started and it may be run elsewhere: a call
  // that only reads, or any call of a shell whose own start failed (it
  // answered nothing and ended by itself: virsh never ran). Any other call
  // that was sent may have run (its output lost with the connection, or in
  // virsh's buffer when it was killed), so it fails and is not sent again.
  using Outcome = std::optional<Result<std::string>>;

  // Sends `call` after those already sent and waits for its result. A call
  // that finds no result within `timeout` fails with a timeout, and so does
  // every call after it: the shell is then broken.
  Outcome run(const VirshCall& call, std::chrono::milliseconds timeout);
  // run() for several calls, sent at once and run back to back (a batch
  // without a virsh process of its own); one outcome per call, in order.
  // `timeout` is for all of them.
  std::vector<Outcome> run_all(const std::vector<VirshCall>& calls, std::chrono::milliseconds timeout);

  // Calls sent whose results have not come yet.
  std::size_t queued() const;
  // True once the shell ended or timed out: it takes no more calls.
  bool broken() const;
  // Whether any call got its result from this shell.
  bool answered() const;

private:
  struct Pending {
    std::size_t index = 0;
    std::string where;  // "lab1: virsh define"
    bool started = false;
    bool read_only = false;  // is_read_only_virsh_call: may run again elsewhere
    Outcome outcome;
    bool settled = false;
    // For the command trace (command_trace.h), kept only while it is on.
    std::vector<std::string> words;
    std::chrono::steady_clock::time_point sent;
  };

  VirshShell(std::string host, std::string marker);
  void on_output(std::string_view text, bool is_stderr);
  void on_ended(const Result<CommandOutput>& ended);
  void settle_ready();
  void trace(const Pending& call, std::size_t out_bytes, std::size_t err_bytes) const;
  void break_all(const Error& error);
  std::string script_for(const VirshCall& call, std::size_t index) const;
  std::string output_before_end_line(std::string_view text) const;

  const std::string m_host;
  const std::string m_marker;      // random, per shell (the header's comment)
  const std::string m_err_marker;  // "error: MARKER\n", as `echo --err` writes it
  const std::string m_end_line;    // the line after each command: "echo --err MARKER"
  const std::string m_end_echo;    // how readline echoes it on stdout: the end line and a newline

  std::mutex m_write_mutex;  // calls are numbered and written in one order
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::size_t m_next = 0;          // the next call's index
  std::deque<Pending*> m_pending;  // sent, in order, not settled
  std::string m_out;               // stdout not yet attributed
  std::string m_err;               // stderr not yet attributed
  std::optional<Error> m_broken;
  bool m_answered = false;

  std::unique_ptr<CommandStream> m_stream;  // set once started; ended first in the destructor
};

}  // namespace virtplan::providers
