// A rolling restart of a replica group (issue 20, planner/rolling.h) on a
// real lab host, observed from the host: libvirt's lifecycle events (`virsh
// event`, in the host's own namespace while apply runs) show that with
// `max_unavailable: 1` no two members are ever down at once and that they
// restart in member order; then a member whose restart fails (its emulator
// gone, by hand) stops the roll: the member after it is never stopped, and
// apply says which were done, failed and left. Tiny domains without an OS
// (their graceful shutdown times out after 1 s and they are forced off).

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using virtplan::lab::apply_stack;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::plan_of;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

using namespace std::chrono_literals;

// A group of three tiny running domains on lab host 0 with `memory` MiB.
std::string roll_stack_text(const LabEnv& env, const std::string& tag, int memory) {
  return fmt::format(
      "stack: roll-{0}\nhosts:\n{1}domains:\n  r{0}:\n    count: 3\n    max_unavailable: 1\n"
      "    host: {2}\n    vcpus: 1\n    memory: {3}MiB\n    virt_type: qemu\n    shutdown_timeout: 1\n",
      tag, host_block(env, 0), env.hosts[0].name, memory);
}

// `virsh event --loop` for lifecycle events on lab host 0, in the
// background while it lives, into a file of that host's /tmp.
class LifecycleEvents {
public:
  LifecycleEvents(const LabEnv& env, const std::string& tag)
      : m_env(env), m_file("/tmp/vp-roll-events-" + tag), m_mark("vp-roll-mark-" + tag) {
    m_env.run_in(0, fmt::format("virsh event --loop --event lifecycle > {0} 2>&1 < /dev/null & "
                                "echo $! > {0}.pid",
                                m_file));
    // Listening for sure once a domain defined after the start is seen.
    m_env.run_in(
        0, fmt::format("virsh -q define /dev/stdin <<'EOF'\n<domain type='qemu'><name>{}</name>"
                       "<memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>\n"
                       "EOF\nvirsh -q undefine {}",
                       m_mark, m_mark));
    REQUIRE(virtplan::lab::wait_until(
        10s, [&] { return has(text(), m_mark); }, 20ms));
  }
  LifecycleEvents(const LifecycleEvents&) = delete;
  LifecycleEvents& operator=(const LifecycleEvents&) = delete;
  ~LifecycleEvents() {
    try {
      m_env.run_in(0, fmt::format("kill $(cat {0}.pid); rm -f {0} {0}.pid", m_file));
    } catch (...) {
    }
  }

  std::string text() const { return m_env.run_in(0, "cat " + m_file); }

  // ("r-1", "Stopped") ... for the members of `group`, in the order they happened.
  std::vector<std::pair<std::string, std::string>> of_group(const std::string& group) const {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream lines(text());
    for (std::string line; std::getline(lines, line);) {
      // event 'lifecycle' for domain 'r-1': Stopped Destroyed
      const auto name = line.find("for domain '" + group + "-");
      const auto colon = line.find("': ");
      if (name == std::string::npos || colon == std::string::npos) continue;
      const std::string domain = line.substr(name + 12, colon - name - 12);
      const std::string what = line.substr(colon + 3, line.find(' ', colon + 3) - colon - 3);
      out.emplace_back(domain, what);
    }
    return out;
  }

private:
  const LabEnv& m_env;
  std::string m_file;
  std::string m_mark;
};

// The most members of the events' group down at once (stopped, not yet started again).
std::size_t most_down(const std::vector<std::pair<std::string, std::string>>& events) {
  std::set<std::string> down;
  std::size_t most = 0;
  for (const auto& [domain, what] : events) {
    if (what == "Stopped") down.insert(domain);
    if (what == "Started") down.erase(domain);
    most = std::max(most, down.size());
  }
  return most;
}

std::vector<std::string> stopped_in_order(const std::vector<std::pair<std::string, std::string>>& events) {
  std::vector<std::string> out;
  for (const auto& [domain, what] : events) {
    if (what == "Stopped") out.push_back(domain);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "rolling restart of a group of 3 with max_unavailable 1: never two members down, a failure stops it") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('R');
  const std::string group = "r" + tag;
  const std::string stack = write_stack(roll_stack_text(env, tag, 32));
  StackCleanup cleanup{env, stack, fmt::format("rm -f /tmp/vpq-{}", tag)};
  apply_stack(stack, roll_stack_text(env, tag, 32));

  // A restart-class change of every member: the plan shows the roll.
  const std::string plan = plan_of(stack, roll_stack_text(env, tag, 40));
  CHECK(has(plan, fmt::format("rolling: {0}-1, {0}-2, {0}-3 (max_unavailable 1)", group)));
  {
    LifecycleEvents events(env, tag);
    const std::string output = apply_stack(stack, roll_stack_text(env, tag, 40));
    const auto seen = events.of_group(group);
    INFO(output << "\nevents:\n" << events.text());
    CHECK(most_down(seen) == 1);
    CHECK(stopped_in_order(seen) == std::vector<std::string>{group + "-1", group + "-2", group + "-3"});
  }

  // Member 2 cannot be redefined or started: its emulator (unmanaged XML,
  // kept by every redefine) is gone.
  env.run_in(0,
             fmt::format("ln -sf $(virsh dumpxml {1}-2 | sed -n 's:.*<emulator>\\(.*\\)</emulator>.*:\\1:p') "
                         "/tmp/vpq-{0} && virsh dumpxml --inactive {1}-2 | "
                         "sed 's:<emulator>.*</emulator>:<emulator>/tmp/vpq-{0}</emulator>:' | "
                         "virsh -q define /dev/stdin && rm /tmp/vpq-{0}",
                         tag, group));
  {
    LifecycleEvents events(env, tag);
    write_stack_at(stack, roll_stack_text(env, tag, 48));
    const auto run = run_virtplan("apply --auto-approve -f " + stack);
    const auto seen = events.of_group(group);
    INFO(run.output << "\nevents:\n" << events.text());
    CHECK(run.status != 0);
    CHECK(has(run.output, fmt::format("rolling {0} stopped: done {0}-1; failed {0}-2; left {0}-3", group)));
    CHECK(has(run.output,
              fmt::format("left untouched: the roll of group {0} stopped when domain.{0}-2@", group)));
    CHECK(most_down(seen) <= 1);
    CHECK(std::none_of(seen.begin(), seen.end(), [&](const auto& e) { return e.first == group + "-3"; }));
  }
  WARN("rolling restart lab test took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
}
