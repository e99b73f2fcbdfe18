#pragma once

// VirshBatcher gathers the virsh commands that several threads want to run on
// one host at about the same time into one virsh process. Apply runs many
// steps per host at once and most of them are one quick command (define,
// vol-create, start); starting a virsh process and its libvirt connection
// costs more than such a command (libvirt-facts.md), so running each in its
// own process made apply several times slower than one raw virsh batch.
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
//
// Only quick commands are gathered (batches()): definitions, deletions and
// reads, which libvirtd answers in milliseconds. Starting a QEMU, a graceful
// shutdown or a block job can take seconds, and in one virsh process they
// would run one after another where separate processes run side by side; those
// run alone, as before.

#include "providers/error.h"
#include "providers/virsh_runner.h"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class VirshBatcher {
public:
  struct Options {
    int processes = 2;              // virsh processes at once on the host
    std::size_t max_commands = 64;  // commands in one process
  };

  // `runner` runs the batches; it must not itself use a batcher, and must
  // outlive this.
  VirshBatcher(const VirshRunner& runner, Options options);

  // Whether commands of this virsh subcommand are gathered.
  static bool batches(std::string_view subcommand);

  // Runs `call` in the next virsh process that starts, alone or with others,
  // and returns its output or error as VirshRunner::run would.
  Result<std::string> run(VirshCall call);

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
