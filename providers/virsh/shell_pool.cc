#include "providers/virsh/shell_pool.h"

#include "providers/virsh/label_table.h"

#include <algorithm>
#include <future>

namespace virtplan::providers {

VirshShellPool::VirshShellPool(const VirshRunner& alone, Options options)
    : m_alone(alone), m_options(options) {}

// The shell warm_up() is starting must be in m_shells before they end. Each
// shell's end waits for its virsh to exit: they end side by side, not one
// after another.
VirshShellPool::~VirshShellPool() {
  if (m_warming.joinable()) m_warming.join();
  for (std::thread& run : m_aside_runs) run.join();
  std::vector<std::future<void>> ending;
  for (auto& shell : m_shells) {
    ending.push_back(std::async(std::launch::async, [gone = std::move(shell)]() mutable { gone.reset(); }));
  }
}

void VirshShellPool::warm_up() {
  std::unique_lock lock(m_mutex);
  if (m_warming.joinable() || m_disabled || !m_shells.empty() || m_starting > 0) return;
  ++m_starting;  // now, so that a caller meanwhile waits for this shell
  m_warming = std::thread([this] {
    std::unique_lock starting(m_mutex);
    start_shell(starting, true);
    // One after another: a host slow to start one is not asked for more at
    // once; and a start that failed ends the warm-up (the transport refuses
    // now, say once the stack lock is lost: trying again would spin).
    while (!m_disabled && live_shells() + m_starting < std::min(m_options.warm, most_shells())) {
      const std::size_t started = m_started;
      ++m_starting;
      start_shell(starting, false);
      if (m_started == started) break;
    }
  });
}

std::optional<int> VirshShellPool::cpus_in(std::string_view nodeinfo) {
  const auto cpus = table_number(nodeinfo, "CPU(s):");
  if (!cpus || *cpus == 0 || *cpus > 4096) return std::nullopt;
  return static_cast<int>(*cpus);
}

std::optional<VirshShellPool::CpuTimes> VirshShellPool::cpu_times_in(std::string_view nodecpustats) {
  const auto user = table_number(nodecpustats, "user:");
  const auto system = table_number(nodecpustats, "system:");
  const auto idle = table_number(nodecpustats, "idle:");
  if (!user || !system || !idle) return std::nullopt;
  return CpuTimes{*user + *system, *idle + table_number(nodecpustats, "iowait:").value_or(0)};
}

int VirshShellPool::shells_for_load(int in_use, int most, double idle_cpus) {
  if (idle_cpus >= 1.0) return most;
  if (idle_cpus < 0.5) return 1;
  return std::clamp(in_use, 1, std::max(1, most));
}

bool VirshShellPool::takes(const VirshCall& call) const {
  return (is_quick_virsh_call(call) || call.aside) && VirshShell::takes(call);
}

Result<std::string> VirshShellPool::run(VirshCall call, std::chrono::milliseconds timeout) {
  look_at_load();
  // A shell that ended before the call started sends it back; one more
  // shell may take it, then it runs alone.
  for (int attempt = 0; attempt < 2; ++attempt) {
    VirshShell* shell = pick();
    if (shell == nullptr) break;
    auto outcome = call.aside ? run_held_aside(*shell, call, timeout) : shell->run(call, timeout);
    std::lock_guard lock(m_mutex);
    if (outcome) {
      ++m_answered;
      return std::move(*outcome);
    }
    if (!shell->answered()) m_disabled = true;
  }
  return m_alone.run_alone(std::move(call.args), std::move(call.document));
}

std::optional<std::vector<Result<std::string>>> VirshShellPool::run_all(const std::vector<VirshCall>& calls,
                                                                        std::chrono::milliseconds timeout) {
  if (calls.empty() || !std::ranges::all_of(calls, [this](const VirshCall& call) { return takes(call); })) {
    return std::nullopt;
  }
  VirshShell* shell = pick();
  if (shell == nullptr) return std::nullopt;
  auto outcomes = shell->run_all(calls, timeout);
  const auto answered =
      std::ranges::count_if(outcomes, [](const auto& outcome) { return outcome.has_value(); });
  {
    std::lock_guard lock(m_mutex);
    m_answered += static_cast<std::size_t>(answered);
    if (answered == 0 && !shell->answered()) m_disabled = true;
  }
  // Calls the shell ended before starting did not run: the runner's own
  // batch takes them all when none ran, else each runs alone.
  if (answered == 0) return std::nullopt;
  std::vector<Result<std::string>> results;
  results.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    results.push_back(outcomes[i] ? std::move(*outcomes[i])
                                  : m_alone.run_alone(calls[i].args, calls[i].document));
  }
  return results;
}

void VirshShellPool::run_aside(VirshCall call, std::chrono::milliseconds timeout) {
  if (!VirshShell::takes(call)) return;
  std::lock_guard lock(m_mutex);
  if (m_disabled) return;
  m_aside_runs.emplace_back([this, call = std::move(call), timeout] {
    VirshShell* shell = pick();
    if (shell != nullptr) (void)run_held_aside(*shell, call, timeout);
  });
}

// Runs `call` on `shell`, which least_busy() then offers other calls last.
VirshShell::Outcome VirshShellPool::run_held_aside(VirshShell& shell, const VirshCall& call,
                                                   std::chrono::milliseconds timeout) {
  {
    std::lock_guard held(m_mutex);
    m_aside.insert(&shell);
  }
  auto outcome = shell.run(call, timeout);
  std::lock_guard held(m_mutex);
  m_aside.erase(m_aside.find(&shell));
  return outcome;
}

// No more than the options allow, nor than the host has CPUs once known.
int VirshShellPool::most_shells() const {
  return std::max(1, m_host_cpus > 0 ? std::min(m_options.shells, m_host_cpus) : m_options.shells);
}

int VirshShellPool::capacity() const {
  std::unique_lock lock(m_mutex);
  m_start_ended.wait_for(lock, std::chrono::seconds(5),
                         [this] { return m_host_cpus > 0 || m_disabled || m_starting == 0; });
  return most_shells();
}

// What look_at_load() last decided, within what the pool may run now.
int VirshShellPool::in_use() const {
  return m_in_use > 0 ? std::min(m_in_use, most_shells()) : most_shells();
}

// At most every look_at_load_every, by the caller that finds it due: the
// host's CPU times, through the least busy shell (a quick call), against the
// last reading: how many CPUs were idle meanwhile decides how many shells
// calls go to. A host whose virsh cannot say (an error, a driver without the
// figures) is not asked again, and keeps every shell in use.
void VirshShellPool::look_at_load() {
  using Clock = std::chrono::steady_clock;
  VirshShell* shell = nullptr;
  {
    std::lock_guard lock(m_mutex);
    if (m_options.look_at_load_every.count() <= 0 || m_looking || m_load_unknown || m_disabled) return;
    if (m_host_cpus < 2 || Clock::now() - m_looked_at < m_options.look_at_load_every) return;
    if (!m_options.read_cpu_times && (shell = least_busy()) == nullptr) return;
    m_looking = true;
  }
  std::optional<CpuTimes> times;
  if (m_options.read_cpu_times) {
    times = m_options.read_cpu_times();
  } else if (auto read = shell->run({{"nodecpustats"}, std::nullopt}, std::chrono::seconds(30));
             read && *read) {
    times = cpu_times_in(**read);
  }
  std::lock_guard lock(m_mutex);
  m_looking = false;
  m_looked_at = Clock::now();
  if (!times) {
    m_load_unknown = true;
    m_in_use = 0;
    return;
  }
  ++m_looks;
  if (m_cpu_times && times->busy >= m_cpu_times->busy && times->idle >= m_cpu_times->idle) {
    const double busy = static_cast<double>(times->busy - m_cpu_times->busy);
    const double idle = static_cast<double>(times->idle - m_cpu_times->idle);
    if (busy + idle > 0) {
      m_in_use = shells_for_load(in_use(), most_shells(), idle / (busy + idle) * m_host_cpus);
      m_start_ended.notify_all();
    }
  }
  m_cpu_times = times;
}

int VirshShellPool::live_shells() const {
  return static_cast<int>(
      std::ranges::count_if(m_shells, [](const auto& shell) { return !shell->broken(); }));
}

// The shell with the fewest calls waiting, or a new one when all are busy
// and there is room; nullptr when the host gets no shells. A caller that
// finds no shell running waits for one starting, or when there is no room to
// start one, for a start to end.
VirshShell* VirshShellPool::pick() {
  std::unique_lock lock(m_mutex);
  while (true) {
    if (m_disabled) return nullptr;
    VirshShell* best = least_busy();
    // A shell holding a call aside is not one in use: calls avoid it.
    const int holding = static_cast<int>(std::ranges::count_if(
        m_shells, [this](const auto& shell) { return !shell->broken() && m_aside.contains(shell.get()); }));
    const bool room =
        live_shells() + m_starting < most_shells() && live_shells() - holding + m_starting < in_use();
    const bool idle = best != nullptr && best->queued() == 0 && !m_aside.contains(best);
    if (best != nullptr && (idle || !room)) return best;
    // With none running, the one starting takes this call too.
    if (room && (best != nullptr || m_starting == 0)) break;
    m_start_ended.wait(lock);
  }
  ++m_starting;
  return start_shell(lock, false);
}

// Starts the shell counted in m_starting; `lock` (on m_mutex) is held on entry
// and exit. Started without the lock: opening a channel may wait for a free
// one, and the running shells stay usable meanwhile.
VirshShell* VirshShellPool::start_shell(std::unique_lock<std::mutex>& lock, bool learn_cpus) {
  lock.unlock();
  auto started = VirshShell::start(m_alone.transport(), m_alone.uri(), m_alone.become());
  // Asked before the shell is shared, so that no caller finds it busy with it.
  std::optional<int> cpus;
  bool ended_unanswered = false;  // this host's shells cannot work (shared_virsh.h)
  if (started && learn_cpus) {
    auto info = (*started)->run({{"nodeinfo"}, std::nullopt}, std::chrono::seconds(30));
    if (info && *info) cpus = cpus_in(**info);
    ended_unanswered = !info && !(*started)->answered();
  }
  lock.lock();
  if (cpus) m_host_cpus = *cpus;
  if (ended_unanswered) m_disabled = true;
  --m_starting;
  m_start_ended.notify_all();
  if (!started) {
    if (least_busy() == nullptr) m_disabled = true;
    return least_busy();
  }
  ++m_started;
  m_shells.push_back(std::move(*started));
  return m_shells.back().get();
}

// The shell with the fewest calls waiting, of those holding no run_aside()
// call when there are any, and of the first in_use() of those (in the order
// they started: the ones that stay in use while the host is busy).
VirshShell* VirshShellPool::least_busy() const {
  VirshShell* best = nullptr;
  bool best_aside = false;
  std::size_t fewest = 0;
  int usable = in_use();
  for (const auto& shell : m_shells) {
    if (shell->broken()) continue;
    const bool aside = m_aside.contains(shell.get());
    if (!aside && usable-- <= 0) continue;
    const std::size_t queued = shell->queued();
    if (best == nullptr || (best_aside && !aside) || (aside == best_aside && queued < fewest)) {
      best = shell.get();
      best_aside = aside;
      fewest = queued;
    }
  }
  return best;
}

std::size_t VirshShellPool::shells_started() const {
  std::lock_guard lock(m_mutex);
  return m_started;
}

int VirshShellPool::shells_in_use() const {
  std::lock_guard lock(m_mutex);
  return in_use();
}

std::size_t VirshShellPool::load_looks() const {
  std::lock_guard lock(m_mutex);
  return m_looks;
}

std::size_t VirshShellPool::held_aside() const {
  std::lock_guard lock(m_mutex);
  return m_aside.size();
}

std::size_t VirshShellPool::commands_answered() const {
  std::lock_guard lock(m_mutex);
  return m_answered;
}

}  // namespace virtplan::providers
