#pragma once

// VirshShellPool shares a few long-running virsh processes (VirshShell) among
// every thread that runs quick virsh commands on one host: a command goes to
// the shell with the fewest commands waiting, and a new shell starts, up to
// `shells`, when every running one is busy. One shell would do libvirtd's
// work one command at a time; several let it overlap them. Measured on a
// 2-core lab host, 60 qcow2 vol-creates (each a qemu-img run by libvirtd):
// one virsh 4.1-4.6 s, two 3.3-3.8 s, four 3.2-3.6 s, six 3.5-3.7 s. Four
// shells and the stack lock hold five of sshd's default ten sessions per
// connection; commands that run alone queue for the rest.
//
// Whatever a shell cannot do runs alone, as VirshRunner::run runs it: a call
// with words a shell does not take, and a call whose shell ended before the
// call started (it did not run). A host where a shell ends before answering
// anything (no mkfifo, a sudo that wants a password) gets no more shells.

#include "providers/virsh/runner.h"
#include "providers/virsh/shared_virsh.h"
#include "providers/virsh/shell.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

namespace virtplan::providers {

class VirshShellPool final : public SharedVirsh {
public:
  struct Options {
    // virsh processes kept running on the host, at most; and no more than
    // the host has CPUs, once warm_up() learnt how many (libvirtd's heavy
    // work, a qemu-img per volume and its forks, is CPU-bound: on a 2-CPU
    // host, 100 volumes take longer from 4 virsh processes than from 2).
    int shells = 4;
    // Shells warm_up() starts, within that limit: two, so that an apply's
    // first steps side by side (a pool and a network) find both running
    // rather than one waiting ~150 ms for a virsh to start.
    int warm = 2;
  };

  // `alone` runs what no shell runs; it must not itself share virsh, and
  // must outlive this.
  VirshShellPool(const VirshRunner& alone, Options options);
  // Ends every shell.
  ~VirshShellPool() override;
  VirshShellPool(const VirshShellPool&) = delete;
  VirshShellPool& operator=(const VirshShellPool&) = delete;

  // Starts a first shell in the background, so that virsh is up by the time
  // the first command comes (a session opens the pool while it takes the
  // lock and reads the host), and asks it for the host's CPUs (nodeinfo);
  // then, when the host has the CPUs for it, the other `warm` shells. Does
  // nothing once a shell runs or starts.
  void warm_up();
  // The "CPU(s):" of `virsh nodeinfo`.
  static std::optional<int> cpus_in(std::string_view nodeinfo);

  // Quick commands (shared_virsh.h) and calls held aside (VirshCall::aside)
  // that a shell can send (VirshShell::takes). A call held aside goes where
  // run_aside() sends its calls, but its caller waits for its answer.
  bool takes(const VirshCall& call) const override;
  Result<std::string> run(VirshCall call, std::chrono::milliseconds timeout) override;
  // The whole batch to one shell, when a shell takes every call.
  std::optional<std::vector<Result<std::string>>> run_all(const std::vector<VirshCall>& calls,
                                                          std::chrono::milliseconds timeout) override;

  // The most shells this pool runs at once: `shells`, and no more than the
  // host's CPUs. Waits (a few seconds at most) for warm_up() to have learnt
  // them, when it is learning them.
  int capacity() const;

  // Sends `call` to a shell in the background, its answer unused, where it
  // holds up no other call: the shell it goes to is the last other calls go
  // to until it is answered (while a shell without such a call runs, or
  // there is room to start one). For work the host does once that later
  // calls would wait for (HostSession::run_aside). Nothing when the host has
  // no shells or a shell cannot send the call (VirshShell::takes).
  void run_aside(VirshCall call, std::chrono::milliseconds timeout);

  // How many shells were started, and how many calls they answered: for
  // tests and benchmarks.
  std::size_t shells_started() const;
  std::size_t commands_answered() const;
  // Shells holding a run_aside() call now.
  std::size_t held_aside() const;

private:
  int most_shells() const;  // these two with m_mutex held
  int live_shells() const;
  VirshShell* pick();
  VirshShell* start_shell(std::unique_lock<std::mutex>& lock, bool learn_cpus);
  VirshShell* least_busy() const;
  VirshShell::Outcome run_held_aside(VirshShell& shell, const VirshCall& call,
                                     std::chrono::milliseconds timeout);

  const VirshRunner& m_alone;
  const Options m_options;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_start_ended;
  std::vector<std::unique_ptr<VirshShell>> m_shells;  // broken ones too, ended at the end
  int m_starting = 0;
  bool m_disabled = false;
  std::size_t m_started = 0;
  std::size_t m_answered = 0;
  int m_host_cpus = 0;                       // 0 until warm_up() learns it
  std::thread m_warming;                     // warm_up()'s start, joined before the shells end
  std::multiset<const VirshShell*> m_aside;  // shells holding a run_aside() call
  std::vector<std::thread> m_aside_runs;     // run_aside()'s, joined before the shells end
};

}  // namespace virtplan::providers
