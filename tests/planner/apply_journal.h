#pragma once

// ApplyJournal records, for apply tests, everything the fakes were asked to
// do, in the order it happened ("create domain.web@lab1", "intents lab1
// volume.a@lab1 volume.b@lab1"), and how many actuator calls ran at once,
// overall and per host.

#include "providers/kind/object_id.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace virtplan::planner::testing {

class ApplyJournal {
public:
  void note(std::string event) {
    std::lock_guard lock(m_mutex);
    m_events.push_back(std::move(event));
  }

  // An actuator call began / ended on `host`.
  void begin(const std::string& host) {
    std::lock_guard lock(m_mutex);
    m_max_running = std::max(m_max_running, ++m_running);
    m_max_on[host] = std::max(m_max_on[host], ++m_running_on[host]);
  }
  void end(const std::string& host) {
    std::lock_guard lock(m_mutex);
    --m_running;
    --m_running_on[host];
  }

  std::vector<std::string> events() const {
    std::lock_guard lock(m_mutex);
    return m_events;
  }
  // Where `event` happened first; -1 when it never did.
  int position(const std::string& event) const {
    std::lock_guard lock(m_mutex);
    auto it = std::find(m_events.begin(), m_events.end(), event);
    return it == m_events.end() ? -1 : static_cast<int>(it - m_events.begin());
  }
  int count(const std::string& prefix) const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(std::count_if(m_events.begin(), m_events.end(),
                                          [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }));
  }
  int max_running() const {
    std::lock_guard lock(m_mutex);
    return m_max_running;
  }
  int max_running_on(const std::string& host) const {
    std::lock_guard lock(m_mutex);
    auto it = m_max_on.find(host);
    return it == m_max_on.end() ? 0 : it->second;
  }

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_events;
  int m_running = 0;
  int m_max_running = 0;
  std::map<std::string, int> m_running_on;
  std::map<std::string, int> m_max_on;
};

}  // namespace virtplan::planner::testing
