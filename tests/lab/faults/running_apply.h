#pragma once

// RunningApply is `virtplan apply` started in the background with its output
// in a file, watched line by line so a fault can be injected at a chosen
// moment: "the 5th step line", "the first volume being created". Every wait
// is on something observable (a line, the process's exit) with a bounded
// limit, never a sleep that guesses how long virtplan takes.

#include "tests/lab/lab_env.h"
#include "tests/support/virtplan_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace virtplan::lab::faults {

using Clock = std::chrono::steady_clock;

// The faults are timed to apply's progress: look often.
inline bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  return lab::wait_until(limit, done, std::chrono::milliseconds(5));
}

// A progress line of apply (cli/progress_printer.cc), "  ADDR: creating" or
// "  ADDR: created (0.1 s)": two spaces, then an address, not a plan line
// ("  + ADDR  create ...").
inline bool is_step_line(std::string_view line) {
  if (line.size() < 4 || line.substr(0, 2) != "  " || line[2] == ' ') return false;
  const auto colon = line.find(": ");
  const auto at = line.find('@');
  return colon != std::string_view::npos && at != std::string_view::npos && at < colon &&
         line.substr(2, colon - 2).find(' ') == std::string_view::npos;
}

class RunningApply {
public:
  RunningApply(const std::string& args, const std::string& log) : m_run(test::start_virtplan(args, log)) {}
  RunningApply(const RunningApply&) = delete;
  RunningApply& operator=(const RunningApply&) = delete;
  ~RunningApply() {
    if (!m_status) {
      kill(m_run.pid, SIGKILL);
      reap(true);
    }
  }

  // Waits until the output holds `count` lines for which `wanted` holds;
  // false when virtplan ended first or `limit` passed.
  bool wait_for_lines(const std::function<bool(std::string_view)>& wanted, int count,
                      std::chrono::milliseconds limit = std::chrono::seconds(120)) {
    return poll_until([&] { return matching_lines(wanted) >= count || !running(); }, limit) &&
           matching_lines(wanted) >= count;
  }

  bool running() { return !reap(false); }
  pid_t pid() const { return m_run.pid; }

  void kill9() {
    if (running()) kill(m_run.pid, SIGKILL);
  }

  // Stops virtplan where it is (SIGSTOP), so a fault lands at the moment the
  // suite saw, however fast the machine; thaw() lets it go on. Whether it
  // was still mid-apply: running, its summary not printed.
  bool freeze() {
    if (!running()) return false;
    kill(m_run.pid, SIGSTOP);
    poll_until([&] { return stopped(); }, std::chrono::seconds(30));
    return stopped() && output().find("\nApply: ") == std::string::npos;
  }
  void thaw() { kill(m_run.pid, SIGCONT); }

  // The exit status once it ended (128+signal when killed); nullopt when it
  // still ran after `limit`, in which case it is killed.
  std::optional<int> wait(std::chrono::milliseconds limit = std::chrono::seconds(180)) {
    if (poll_until([&] { return !running(); }, limit)) return m_status;
    kill(m_run.pid, SIGKILL);
    reap(true);
    return std::nullopt;
  }

  std::string output() const { return m_run.output(); }
  int count_lines(const std::function<bool(std::string_view)>& wanted) const {
    return matching_lines(wanted);
  }

private:
  int matching_lines(const std::function<bool(std::string_view)>& wanted) const {
    const std::string text = output();
    int n = 0;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      if (wanted(std::string_view(text).substr(start, end - start))) ++n;
    }
    return n;
  }

  bool stopped() const {
    std::ifstream stat("/proc/" + std::to_string(m_run.pid) + "/stat");
    std::string skip, comm, state;
    return static_cast<bool>(stat >> skip >> comm >> state) && state == "T";
  }

  // Whether it ended; records its status the first time.
  bool reap(bool block) {
    if (m_status) return true;
    int status = 0;
    const pid_t got = waitpid(m_run.pid, &status, block ? 0 : WNOHANG);
    if (got != m_run.pid) return false;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  test::Background m_run;
  std::optional<int> m_status;
};

}  // namespace virtplan::lab::faults
