#include "planner/apply_host_gate.h"

namespace virtplan::planner {

using providers::HostSession;
using providers::Result;

ApplyHostGate::ApplyHostGate(providers::HostAccess& hosts,
                             std::map<std::string, std::vector<providers::ObjectId>> intents)
    : m_hosts(hosts), m_intents(std::move(intents)) {}

ApplyHostGate::Entry& ApplyHostGate::entry(const std::string& host) {
  std::lock_guard lock(m_mutex);
  auto& slot = m_entries[host];
  if (!slot) slot = std::make_unique<Entry>();
  return *slot;
}

void ApplyHostGate::open(const std::string& host, Entry& e) {
  e.opened = true;
  e.session = m_hosts.session(host);
  if (!*e.session) {
    std::lock_guard lock(m_mutex);
    m_unreachable.emplace(host, e.session->error());
    return;
  }
  auto it = m_intents.find(host);
  if (it == m_intents.end() || it->second.empty()) return;
  if (auto saved = m_hosts.record_intents(host, it->second); !saved) e.intents_error = saved.error();
}

// Asked again before every step, not only the first: a host whose stack
// lock was lost since fails every step that has not started, with why, and
// so do the steps waiting on them (unreachable()).
Result<HostSession*> ApplyHostGate::session(const std::string& host) {
  Entry& e = entry(host);
  std::lock_guard lock(e.mutex);
  if (!e.opened) open(host, e);
  if (!*e.session) return *e.session;
  auto still = m_hosts.session(host);
  if (!still) {
    std::lock_guard hosts_lock(m_mutex);
    m_unreachable.emplace(host, still.error());
  }
  return still;
}

Result<void> ApplyHostGate::intents_saved(const std::string& host) {
  Entry& e = entry(host);
  std::lock_guard lock(e.mutex);
  if (!e.opened) open(host, e);
  if (e.intents_error) return std::unexpected(*e.intents_error);
  return {};
}

std::optional<providers::Error> ApplyHostGate::unreachable(const std::string& host) {
  std::lock_guard lock(m_mutex);
  auto it = m_unreachable.find(host);
  if (it == m_unreachable.end()) return std::nullopt;
  return it->second;
}

}  // namespace virtplan::planner
