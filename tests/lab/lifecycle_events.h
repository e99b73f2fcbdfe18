#pragma once

// LifecycleEvents watches libvirt's lifecycle events on one lab host while it
// lives: `virsh event --loop --event lifecycle`, in the host's own namespace,
// in the background, into a file of that host's /tmp. The rolling lab tests
// read it to see, from the host, what apply did and in which order.

#include "tests/lab/lab_env.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace virtplan::lab {

// One event: the domain and libvirt's event and detail words ("Stopped",
// "Migrated").
struct LifecycleEvent {
  std::string domain;
  std::string event;
  std::string detail;
};

class LifecycleEvents {
public:
  LifecycleEvents(const LabEnv& env, std::size_t host, const std::string& tag)
      : m_env(env),
        m_host(host),
        m_file(fmt::format("/tmp/vp-events-{}-{}", tag, host)),
        m_mark(fmt::format("vp-events-mark-{}-{}", tag, host)) {
    using namespace std::chrono_literals;
    m_env.run_in(m_host, fmt::format("virsh event --loop --event lifecycle > {0} 2>&1 < /dev/null & "
                                     "echo $! > {0}.pid",
                                     m_file));
    // Listening for sure once a domain defined after the start is seen. The
    // watcher registers for events some time after it starts (a virsh
    // process and a connection: long on a loaded machine), and an event
    // before that is not seen at all: the mark is defined again, and again,
    // until one is seen.
    const std::string mark_once = fmt::format(
        "virsh -q define /dev/stdin <<'EOF'\n<domain type='qemu'><name>{0}</name>"
        "<memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>\n"
        "EOF\nvirsh -q undefine {0}",
        m_mark);
    REQUIRE(wait_until(
        60s,
        [&] {
          if (has(text(), m_mark)) return true;
          m_env.run_in(m_host, mark_once);
          return has(text(), m_mark);
        },
        200ms));
  }
  LifecycleEvents(const LifecycleEvents&) = delete;
  LifecycleEvents& operator=(const LifecycleEvents&) = delete;
  ~LifecycleEvents() {
    try {
      m_env.run_in(m_host, fmt::format("kill $(cat {0}.pid); rm -f {0} {0}.pid", m_file));
    } catch (...) {
    }
  }

  std::string text() const { return m_env.run_in(m_host, "cat " + m_file); }

  // The events of the members of `group` ("r-1", "r-2"...), in the order
  // they happened.
  std::vector<LifecycleEvent> of_group(const std::string& group) const {
    std::vector<LifecycleEvent> out;
    std::istringstream lines(text());
    for (std::string line; std::getline(lines, line);) {
      // event 'lifecycle' for domain 'r-1': Stopped Destroyed
      const std::string prefix = "for domain '" + group + "-";
      const auto name = line.find(prefix);
      const auto colon = line.find("': ");
      if (name == std::string::npos || colon == std::string::npos) continue;
      std::istringstream words(line.substr(colon + 3));
      LifecycleEvent event{line.substr(name + 12, colon - name - 12), "", ""};
      words >> event.event >> event.detail;
      out.push_back(std::move(event));
    }
    return out;
  }

private:
  const LabEnv& m_env;
  std::size_t m_host;
  std::string m_file;
  std::string m_mark;
};

// The domains of `events` with event `what` (and detail `detail`, when
// given), in the order it happened.
inline std::vector<std::string> domains_with(const std::vector<LifecycleEvent>& events,
                                             const std::string& what, const std::string& detail = "") {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.event == what && (detail.empty() || e.detail == detail)) out.push_back(e.domain);
  }
  return out;
}

// The most domains of `events` down at once: between an event `down` and the
// same domain's next event `up`.
inline std::size_t most_between(const std::vector<LifecycleEvent>& events, const std::string& down,
                                const std::string& up) {
  std::set<std::string> open;
  std::size_t most = 0;
  for (const auto& e : events) {
    if (e.event == down) open.insert(e.domain);
    if (e.event == up) open.erase(e.domain);
    most = std::max(most, open.size());
  }
  return most;
}

}  // namespace virtplan::lab
