#pragma once

// VirshBatcher gathers the quick virsh commands (shared_virsh.h) that
// several threads want to run on one host at about the same time into one new
// virsh process. It is how steps share virsh on a transport that cannot keep
// a virsh running (VirshShellPool is the other way, used where it can).
//
// It is a group commit: at most `processes` virsh processes run at once for
// the host; a command that arrives while they are all busy waits, and the
// next process to start takes every command waiting (up to `max_commands`)
// as one VirshRunner batch. A command that finds a process free runs alone,
// exactly as VirshRunner::run runs it, so a lone caller (and every unit test
// that scripts single commands) sees no difference. Commands keep their own
// results and errors (VirshRunner's batch markers), and a document a command
// reads from /dev/stdin is written to a private file on the host for the
// batch (VirshRunner::batch_calls).

#include "providers/base/error.h"
#include "providers/virsh/runner.h"
#include "providers/virsh/shared_virsh.h"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class VirshBatcher final : public SharedVirsh {
public:
  struct Options {
    int processes = 2;              // virsh processes at once on the host
    std::size_t max_commands = 64;  // commands in one process
  };

  // `runner` runs the batches; it must not itself use a batcher, and must
  // outlive this.
  VirshBatcher(const VirshRunner& runner, Options options);

  // Quick commands.
  bool takes(const VirshCall& call) const override;

  // Runs `call` in the next virsh process that starts, alone or with others,
  // and returns its output or error as VirshRunner::run would. The timeout is
  // the runner's, which the batch runs with.
  Result<std::string> run(VirshCall call, std::chrono::milliseconds timeout) override;

  // How many virsh processes were started, and for how many commands: for
  // tests and benchmarks.
  std::size_t processes_started() const;
  std::size_t commands_run() const;
  // Commands waiting for a process now.
  std::size_t waiting() const;

private:
  struct Pending {
    VirshCall call;
    std::optional<Result<std::string>> result;
  };

  std::vector<Pending*> take_waiting();
  void run_group(std::vector<Pending*>& group);

  const VirshRunner& m_runner;
  const Options m_options;
  mutable std::mutex m_mutex;
  std::condition_variable m_done;  // a result arrived or a process ended
  std::deque<Pending*> m_waiting;
  int m_running = 0;
  std::size_t m_processes = 0;
  std::size_t m_commands = 0;
};

}  // namespace virtplan::providers
