#pragma once

// Transport runs a program on one host and returns what it printed. Every side
// effect on a host goes through one, so tests can swap in a fake that records
// the commands (see tests/providers/fake_transport.h).

#include "providers/base/error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// Command is a program and its arguments, never a shell line: a transport that
// must cross a shell (SSH) quotes every argument with shell_quote().
struct Command {
  std::vector<std::string> argv;
  // Sent on the program's standard input, then closed. XML documents go here,
  // never on a command line.
  std::optional<std::string> stdin_data;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Or: a file on this machine streamed to the program's standard input, a
  // piece at a time (an image of several GiB is never read into memory),
  // then closed. Set at most one of the two.
  std::optional<std::string> stdin_file{};
  // Called now and then with how many bytes of stdin_file went out so far
  // (over SSH from the transport's I/O thread: keep it short and
  // thread-safe). May be empty.
  std::function<void(std::uint64_t)> stdin_progress{};
};

// CommandOutput is how the program ended. A non-zero exit status is not a
// transport error: the caller decides what it means.
struct CommandOutput {
  int exit_status = 0;
  std::string out;
  std::string err;
};

// HeldCommand is a command that Transport::hold() keeps running. Destroying it
// closes the command's standard input (and, over SSH, its channel) and waits a
// few seconds for it to end; the command is built to end then. The command also
// ends when the process holding it dies or its connection breaks, since
// either closes that input: what a command holds (a lock) is freed with it.
// A HeldCommand must not outlive the Transport that made it.
//
// While it is held, the transport writes k_hold_heartbeat_byte to the
// command's standard input every k_hold_heartbeat: a client that stops
// (SIGSTOP, a hung machine, a connection that silently drops every packet)
// stops sending them, so the command can end itself after a bounded silence
// instead of waiting hours for TCP to notice (docs/locking.md).
inline constexpr auto k_hold_heartbeat = std::chrono::seconds(5);
inline constexpr char k_hold_heartbeat_byte = '.';

class HeldCommand {
public:
  virtual ~HeldCommand() = default;
  // False once the command ended on its own or its connection broke.
  virtual bool running() const = 0;
};

// What hold() gives back: `held` when the command printed the ready line and
// runs on; otherwise it ended before that and `ended` says how.
struct HoldOutcome {
  std::unique_ptr<HeldCommand> held;
  CommandOutput ended;
};

// CommandStream is a command that runs while its caller talks to it
// (Transport::stream): what write() sends goes to the command's standard
// input, in order; what the command prints goes to the stream's sink as it
// comes. Destroying the handle ends the command's standard input, its signal
// to stop, and waits a few seconds for it to end (then, over SSH, closes its
// channel; locally, kills it). Like a held command, it also ends when the
// process holding it dies or its connection breaks. A CommandStream must not
// outlive the Transport that made it.
class CommandStream {
public:
  virtual ~CommandStream() = default;
  // Queues `data` for the command's standard input and returns at once.
  // Fails once the command has ended.
  virtual Result<void> write(std::string data) = 0;
};

// Where a streamed command's output goes. Both are called from a thread of
// the transport, one call at a time, never while write() is waiting: keep
// them short, and do not destroy the stream from inside them.
struct StreamSink {
  // A piece of what the command printed, on stdout or on stderr.
  std::function<void(std::string_view text, bool is_stderr)> output;
  // Once, when the command ended (its exit status; out and err hold nothing
  // output() did not already get) or its connection broke (an error).
  std::function<void(const Result<CommandOutput>& ended)> ended;
};

class Transport {
public:
  virtual ~Transport() = default;

  // Runs the command and waits for it. Fails (rather than returning an exit
  // status) only when the command could not be run or did not finish: the host
  // is unreachable, the timeout passed, the channel broke.
  virtual Result<CommandOutput> run(const Command& command) = 0;

  // Starts the command and waits (up to command.timeout) until it prints
  // `ready_line` as a whole line on stdout, then leaves it running until the
  // returned handle is destroyed; command.timeout does not limit it after
  // that. command.stdin_data is ignored: stdin stays open, and its end is the
  // command's signal to stop. What the command prints after the ready line is
  // discarded. Fails like run() when the command cannot be started or neither
  // prints the line nor ends in time (it is then stopped).
  virtual Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) = 0;

  // Whether stream() works on this transport. A caller that can do without
  // one (VirshShell's users fall back to one process per command) asks first.
  virtual bool can_stream() const { return false; }

  // Starts the command and returns once it runs, leaving it running until
  // the handle is destroyed (CommandStream); command.timeout bounds the start
  // only, and command.stdin_data is ignored. Fails like run() when the
  // command cannot be started.
  virtual Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) {
    (void)command;
    (void)sink;
    return fail(ErrorCode::other, host_name() + ": this transport cannot stream a command");
  }

  // The host as a person names it in messages: "lab1" or "local".
  virtual const std::string& host_name() const = 0;

  // Opens the connection now rather than at the first command and waits for
  // it: the error that keeps the host from being reached, said as itself
  // (a command's error may carry what the command was for). Once connected,
  // returns at once. Transports without a connection succeed at once.
  virtual Result<void> connect() { return {}; }

  // The SSH host key the host proved it holds ("ssh-ed25519 SHA256:..."),
  // once a command reached it; empty before that and for transports without
  // SSH. Part of what tells two host entries for one hypervisor apart
  // (providers/host/host_identity.h).
  virtual std::string host_key() const { return {}; }
};

}  // namespace virtplan::providers
