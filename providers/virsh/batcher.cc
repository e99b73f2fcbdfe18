#include "providers/virsh/batcher.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace virtplan::providers {

bool VirshBatcher::takes(const VirshCall& call) const { return is_quick_virsh_call(call); }

VirshBatcher::VirshBatcher(const VirshRunner& runner, Options options)
    : m_runner(runner), m_options(options) {}

Result<std::string> VirshBatcher::run(VirshCall call, std::chrono::milliseconds) {
  Pending mine{std::move(call), std::nullopt};
  std::unique_lock lock(m_mutex);
  m_waiting.push_back(&mine);
  // Whoever finds a process free runs everything waiting, its own command
  // among it unless another thread took that already; the others wait for
  // their results. Nobody runs a group while holding the lock.
  while (!mine.result) {
    if (m_running < std::max(1, m_options.processes) && !m_waiting.empty()) {
      std::vector<Pending*> group = take_waiting();
      ++m_running;
      lock.unlock();
      run_group(group);
      lock.lock();
      --m_running;
      m_done.notify_all();
    } else {
      m_done.wait(lock);
    }
  }
  return std::move(*mine.result);
}

std::vector<VirshBatcher::Pending*> VirshBatcher::take_waiting() {
  const std::size_t count = std::min(m_waiting.size(), std::max<std::size_t>(1, m_options.max_commands));
  std::vector<Pending*> group(m_waiting.begin(), m_waiting.begin() + static_cast<std::ptrdiff_t>(count));
  m_waiting.erase(m_waiting.begin(), m_waiting.begin() + static_cast<std::ptrdiff_t>(count));
  ++m_processes;
  m_commands += count;
  return group;
}

// Results are set under the lock: a waiter reads its own only after it
// wakes with the lock held.
void VirshBatcher::run_group(std::vector<Pending*>& group) {
  if (group.size() == 1) {
    auto result = m_runner.run_alone(group[0]->call.args, group[0]->call.document);
    std::lock_guard lock(m_mutex);
    group[0]->result = std::move(result);
    return;
  }
  std::vector<VirshCall> calls;
  calls.reserve(group.size());
  for (const Pending* pending : group) calls.push_back(pending->call);
  auto results = m_runner.batch_calls(calls);
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = std::move(results[i]);
}

std::size_t VirshBatcher::processes_started() const {
  std::lock_guard lock(m_mutex);
  return m_processes;
}

std::size_t VirshBatcher::waiting() const {
  std::lock_guard lock(m_mutex);
  return m_waiting.size();
}

std::size_t VirshBatcher::commands_run() const {
  std::lock_guard lock(m_mutex);
  return m_commands;
}

}  // namespace virtplan::providers
