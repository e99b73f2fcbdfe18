#pragma once

// VirshChurn is another client changing libvirt on lab host 0 while a test
// reads it: a thread runs `cycle` (virsh commands, one virsh process a pass)
// again and again until stop(), then `cleanup` (shell). Stopped and joined
// however the test ends. The stop is a file named after `name`, made from
// outside the loop, so stop() may come before the thread ever ran.

#include "providers/shell_quote.h"
#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace virtplan::lab {

class VirshChurn {
public:
  VirshChurn(const LabEnv& env, const std::string& name, const std::string& cycle, const std::string& cleanup)
      : m_env(env), m_stop("/tmp/vp-churn-" + name + ".stop") {
    m_env.run_in(0, "rm -f " + m_stop);  // here, not in the thread: stop() may come before it runs
    const std::string script =
        fmt::format("while [ ! -e {0} ]; do virsh -q {1} >/dev/null 2>&1; done; {2}; true", m_stop,
                    providers::shell_quote(cycle), cleanup);
    m_thread = std::thread([this, script] {
      try {
        m_env.run_in(0, script);
      } catch (const std::runtime_error&) {
        // The test sees the churn's effect, or its absence, in what it reads.
      }
    });
  }
  VirshChurn(const VirshChurn&) = delete;
  VirshChurn& operator=(const VirshChurn&) = delete;
  ~VirshChurn() { stop(); }

  void stop() {
    if (!m_thread.joinable()) return;
    m_env.run_in(0, "touch " + m_stop);
    m_thread.join();
    m_env.run_in(0, "rm -f " + m_stop);
  }

private:
  const LabEnv& m_env;
  std::string m_stop;
  std::thread m_thread;
};

}  // namespace virtplan::lab
