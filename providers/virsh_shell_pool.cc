#include "providers/virsh_shell_pool.h"

#include <algorithm>

namespace virtplan::providers {

VirshShellPool::VirshShellPool(const VirshRunner& alone, Options options) : m_alone(alone), m_options(options) {}

VirshShellPool::~VirshShellPool() = default;

bool VirshShellPool::takes(const VirshCall& call) const {
  return !call.args.empty() && is_quick_virsh_command(call.args[0]) && VirshShell::takes(call);
}

Result<std::string> VirshShellPool::run(VirshCall call, std::chrono::milliseconds timeout) {
  // A shell that ended before the call started sends it back; one more
  // shell may take it, then it runs alone.
  for (int attempt = 0; attempt < 2; ++attempt) {
    VirshShell* shell = pick();
    if (shell == nullptr) break;
    auto outcome = shell->run(call, timeout);
    if (outcome) return std::move(*outcome);
    if (!shell->answered()) {
      std::lock_guard lock(m_mutex);
      m_disabled = true;
    }
  }
  return m_alone.run(std::move(call.args), std::move(call.document));
}

// The shell with the fewest calls waiting, or a new one when all are busy
// and there is room; nullptr when the host gets no shells.
VirshShell* VirshShellPool::pick() {
  std::unique_lock lock(m_mutex);
  if (m_disabled) return nullptr;
  VirshShell* best = least_busy();
  const int live = static_cast<int>(std::ranges::count_if(m_shells, [](const auto& s) { return !s->broken(); }));
  if (best != nullptr && (best->queued() == 0 || live + m_starting >= std::max(1, m_options.shells))) return best;
  if (live + m_starting >= std::max(1, m_options.shells)) return best;
  // Started without the lock: opening a channel may wait for a free one,
  // and the running shells stay usable meanwhile.
  ++m_starting;
  lock.unlock();
  auto started = VirshShell::start(m_alone.transport(), m_alone.uri(), m_alone.become());
  lock.lock();
  --m_starting;
  if (!started) {
    if (least_busy() == nullptr) m_disabled = true;
    return least_busy();
  }
  ++m_started;
  m_shells.push_back(std::move(*started));
  return m_shells.back().get();
}

VirshShell* VirshShellPool::least_busy() const {
  VirshShell* best = nullptr;
  std::size_t fewest = 0;
  for (const auto& shell : m_shells) {
    if (shell->broken()) continue;
    const std::size_t queued = shell->queued();
    if (best == nullptr || queued < fewest) {
      best = shell.get();
      fewest = queued;
    }
  }
  return best;
}

std::size_t VirshShellPool::shells_started() const {
  std::lock_guard lock(m_mutex);
  return m_started;
}

}  // namespace virtplan::providers
