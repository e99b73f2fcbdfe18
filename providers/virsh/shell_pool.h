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
#include <cstdint>
#include <functional>
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
  // The host's CPU time since it booted, all CPUs together, in nanoseconds:
  // `virsh nodecpustats`'s user and system (busy), idle and iowait (idle).
  struct CpuTimes {
    std::uint64_t busy = 0;
    std::uint64_t idle = 0;
  };

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
    // How often the pool looks at how busy the host's CPUs are, while calls
    // come (`virsh nodecpustats`, through a shell); zero: never. Calls then
    // go to one shell while the host has no idle CPU, and to all of them
    // again once it has one (shells_for_load): when libvirtd already keeps
    // every CPU busy, a second client feeding it at once only makes its
    // workers contend (measured on two saturated cores: ~8% more of the
    // machine's CPU for the same work, no faster).
    std::chrono::milliseconds look_at_load_every{0};
    // Reads the host's CPU times instead of `virsh nodecpustats`: for tests.
    std::function<std::optional<CpuTimes>()> read_cpu_times{};
  };

  static std::optional<CpuTimes> cpu_times_in(std::string_view nodecpustats);
  // How many shells calls may go to, of `most`, now `in_use`, when the host
  // had `idle_cpus` CPUs idle on average since the last look: all of them
  // from one idle CPU, one below half an idle CPU, as many as now between
  // (so that a host near the edge does not switch at every look).
  static int shells_for_load(int in_use, int most, double idle_cpus);

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
  // How many shells calls may go to now (shells_for_load), and how many
  // times the host's CPU times were read and understood: for tests and
  // benchmarks.
  int shells_in_use() const;
  std::size_t load_looks() const;
  std::size_t commands_answered() const;
  // Shells holding a run_aside() call now.
  std::size_t held_aside() const;

private:
  int most_shells() const;  // these four with m_mutex held
  int live_shells() const;
  int in_use() const;
  VirshShell* least_busy() const;
  VirshShell* pick();
  VirshShell* start_shell(std::unique_lock<std::mutex>& lock, bool learn_cpus);
  void look_at_load();
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
  // look_at_load()'s: the last reading, when it was asked, whether one is
  // under way, whether this host answers at all, and what it decided (0: no
  // decision yet, every shell may be used).
  std::optional<CpuTimes> m_cpu_times;
  std::chrono::steady_clock::time_point m_looked_at{};
  bool m_looking = false;
  bool m_load_unknown = false;
  int m_in_use = 0;
  std::size_t m_looks = 0;
};

}  // namespace virtplan::providers
