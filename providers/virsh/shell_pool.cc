#include "providers/virsh/shell_pool.h"

#include "providers/virsh/nodeinfo.h"

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
  const auto cpus = nodeinfo_number(nodeinfo, "CPU(s):");
  if (!cpus || *cpus == 0 || *cpus > 4096) return std::nullopt;
  return static_cast<int>(*cpus);
}

bool VirshShellPool::takes(const VirshCall& call) const {
  return (is_quick_virsh_call(call) || call.aside) && VirshShell::takes(call);
}

Result<std::string> VirshShellPool::run(VirshCall call, std::chrono::milliseconds timeout) {
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
    const int most = most_shells();
    VirshShell* best = least_busy();
    const bool room = live_shells() + m_starting < most;
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
// call when there are any.
VirshShell* VirshShellPool::least_busy() const {
  VirshShell* best = nullptr;
  bool best_aside = false;
  std::size_t fewest = 0;
  for (const auto& shell : m_shells) {
    if (shell->broken()) continue;
    const bool aside = m_aside.contains(shell.get());
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

std::size_t VirshShellPool::held_aside() const {
  std::lock_guard lock(m_mutex);
  return m_aside.size();
}

std::size_t VirshShellPool::commands_answered() const {
  std::lock_guard lock(m_mutex);
  return m_answered;
}

}  // namespace virtplan::providers
