#pragma once

// HostChurn is another client changing libvirt on lab host 0 while a test
// reads it: a thread runs `pass` (shell commands, virsh ones say) again and
// again until stop(), then `cleanup`. Stopped and joined however the test
// ends. The stop is a file named after `name`, made from outside the loop, so
// stop() may come before the thread ever ran.

#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace virtplan::lab {

class HostChurn {
public:
  HostChurn(const LabEnv& env, const std::string& name, const std::string& pass, const std::string& cleanup)
      : m_env(env), m_stop("/tmp/vp-churn-" + name + ".stop") {
    m_env.run_in(0, "rm -f " + m_stop);  // here, not in the thread: stop() may come before it runs
    const std::string script =
        fmt::format("while [ ! -e {0} ]; do {1}; done; {2}; true", m_stop, pass, cleanup);
    m_thread = std::thread([this, script] {
      try {
        m_env.run_in(0, script);
      } catch (const std::runtime_error&) {
        // The test sees the churn's effect, or its absence, in what it reads.
      }
    });
  }
  HostChurn(const HostChurn&) = delete;
  HostChurn& operator=(const HostChurn&) = delete;
  ~HostChurn() { stop(); }

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
