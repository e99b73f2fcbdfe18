#pragma once

// Transport runs a program on one host and returns what it printed. Every side
// effect on a host goes through one, so tests can swap in a fake that records
// the commands (see tests/providers/fake_transport.h).

#include "providers/error.h"

#include <chrono>
#include <optional>
#include <string>
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
};

// CommandOutput is how the program ended. A non-zero exit status is not a
// transport error: the caller decides what it means.
struct CommandOutput {
  int exit_status = 0;
  std::string out;
  std::string err;
};

class Transport {
public:
  virtual ~Transport() = default;

  // Runs the command and waits for it. Fails (rather than returning an exit
  // status) only when the command could not be run or did not finish: the host
  // is unreachable, the timeout passed, the channel broke.
  virtual Result<CommandOutput> run(const Command& command) = 0;

  // The host as a person names it in messages: "lab1" or "local".
  virtual const std::string& host_name() const = 0;
};

}  // namespace virtplan::providers
