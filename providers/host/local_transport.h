#pragma once

// LocalTransport runs programs on this machine, without a shell: for hosts
// declared `address: local` and for the Ansible module on the hypervisor.
// It is safe to use from several threads at once.

#include "providers/host/transport.h"

#include <string>

namespace virtplan::providers {

class LocalTransport : public Transport {
public:
  // Ignores SIGPIPE for the whole process (once): a child that closes its
  // standard input early must make our write fail, not kill us.
  LocalTransport();

  // Runs argv[0] (looked up in PATH) in its own process group, with only
  // stdin, stdout and stderr open. A program killed by signal N ends with exit
  // status 128+N and a line saying so in `err`. Fails with not_found when the
  // program does not exist and with timeout (after killing the whole process
  // group) when it runs longer than command.timeout.
  Result<CommandOutput> run(const Command& command) override;

  // Runs the command as run() does, with its stdin a pipe from us that stays
  // open while the handle lives: when we release it, exit or are killed, the
  // pipe closes and the command sees the end of its input. After the ready
  // line the command's stdout and stderr are closed on our side: a write to
  // them fails (EPIPE).
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override;

  // Runs the command as hold() does, its output going to the sink as it
  // comes (from a thread of the stream's own).
  bool can_stream() const override { return true; }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override;
  const std::string& host_name() const override;
};

}  // namespace virtplan::providers
