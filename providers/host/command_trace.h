#pragma once

// CommandTrace writes down every command virtplan sends to a host, when the
// user asks for it (VIRTPLAN_LOG=debug writes to stderr, `--log-file PATH`
// to a file): the host, what ran, how long it took, how it ended and how
// much it printed, one line a command, what TF_LOG is to Terraform users
// debugging a slow or failing apply:
//
//   2026-12-05T06:55:01.123Z lab1 run 12ms exit=0 in=0B out=1204B err=0B: sudo -n virsh -q -c qemu:///system
//   list 2026-12-05T06:55:01.140Z lab1 shell 3ms exit=0 out=512B err=0B: virsh define /dev/stdin
//
// Every host's transport is made by make_transport (transport_factory.h),
// which wraps it in a TracingTransport while a trace is on: so every process
// started on a host (a command, a held lock, a streamed virsh shell) passes
// one place. The commands a shared virsh shell runs inside its one process
// (virsh_shell.h) are written by the shell as it settles them ("shell").
//
// Secrets: what a command reads on its standard input (XML, a secret's
// value, run_secret's command) is never written, only its size; words that
// name a secret on a command line (`--passwd X`, `password=X`) are masked.
//
// The trace is the process's: it is set once, by the command line, before
// any host is reached (like the log level of a program), and read by the
// transports and shells made after.

#include "providers/base/error.h"
#include "providers/host/transport.h"

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

// One command as the trace writes it.
struct TracedCommand {
  std::string host;
  std::string kind;               // run, hold, stream, shell
  std::vector<std::string> argv;  // as sent; masked when written
  std::chrono::microseconds took{};
  std::optional<int> exit_status;  // nullopt: it could not run or finish (`error` says why)
  std::string error;
  std::size_t in_bytes = 0;  // standard input sent (never its text)
  std::size_t out_bytes = 0;
  std::size_t err_bytes = 0;
};

class CommandTrace {
public:
  virtual ~CommandTrace() = default;
  // Called from any thread.
  virtual void record(const TracedCommand& command) = 0;
};

// The words of `argv` with every secret replaced by "***".
std::vector<std::string> masked_words(const std::vector<std::string>& argv);

// The line the trace writes for `command`, without its time stamp or newline:
// "lab1 run 12ms exit=0 in=0B out=1204B err=0B: virsh -q list".
std::string trace_line(const TracedCommand& command);

// CommandTraceFile writes each command's line, time-stamped, to a stream
// (stderr or a file it owns), one whole line at a time, flushed.
class CommandTraceFile final : public CommandTrace {
public:
  // A file opened for appending; fails naming the path.
  static Result<std::unique_ptr<CommandTraceFile>> open(const std::string& path);
  // Writes to `stream` (stderr), which it does not close.
  explicit CommandTraceFile(std::FILE* stream, bool owned = false) : m_stream(stream), m_owned(owned) {}
  ~CommandTraceFile() override;
  CommandTraceFile(const CommandTraceFile&) = delete;
  CommandTraceFile& operator=(const CommandTraceFile&) = delete;

  void record(const TracedCommand& command) override;

private:
  std::mutex m_mutex;
  std::FILE* m_stream;
  bool m_owned;
};

// The process's trace, or nullptr while none is on.
CommandTrace* command_trace();
// Sets it (nullptr: off). Call before any host is reached.
void set_command_trace(std::shared_ptr<CommandTrace> trace);
// Turns the trace on as the user asked: to `log_file` when given, else to
// stderr when the environment has VIRTPLAN_LOG=debug; off otherwise. Fails
// when the file cannot be opened, or VIRTPLAN_LOG holds another value than
// debug (or is empty).
Result<void> configure_command_trace(const std::optional<std::string>& log_file);

// TracingTransport is a transport that passes everything on to `inner` and
// records each command it sent, once it ended, in `trace`: a held command
// when it is let go, a streamed one when it ends.
class TracingTransport final : public Transport {
public:
  TracingTransport(std::unique_ptr<Transport> inner, CommandTrace& trace);

  Result<CommandOutput> run(const Command& command) override;
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override;
  bool can_stream() const override { return m_inner->can_stream(); }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override;
  const std::string& host_name() const override { return m_inner->host_name(); }
  Result<void> connect() override { return m_inner->connect(); }
  std::string host_key() const override { return m_inner->host_key(); }

private:
  std::unique_ptr<Transport> m_inner;
  CommandTrace& m_trace;
};

// `transport` wrapped in a TracingTransport while the process's trace is on;
// else `transport` itself.
std::unique_ptr<Transport> traced(std::unique_ptr<Transport> transport);

}  // namespace virtplan::providers
