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
#include "tests/lab/lifecycle_events.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using virtplan::lab::apply_stack;
using virtplan::lab::domains_with;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::LifecycleEvents;
using virtplan::lab::most_between;
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
    LifecycleEvents events(env, 0, tag);
    const std::string output = apply_stack(stack, roll_stack_text(env, tag, 40));
    const auto seen = events.of_group(group);
    INFO(output << "\nevents:\n" << events.text());
    CHECK(most_between(seen, "Stopped", "Started") == 1);
    CHECK(domains_with(seen, "Stopped") ==
          std::vector<std::string>{group + "-1", group + "-2", group + "-3"});
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
    LifecycleEvents events(env, 0, tag);
    write_stack_at(stack, roll_stack_text(env, tag, 48));
    const auto run = run_virtplan("apply --auto-approve -f " + stack);
    const auto seen = events.of_group(group);
    INFO(run.output << "\nevents:\n" << events.text());
    CHECK(run.status != 0);
    CHECK(has(run.output, fmt::format("rolling {0} stopped: done {0}-1; failed {0}-2; left {0}-3", group)));
    CHECK(has(run.output,
              fmt::format("left untouched: the roll of group {0} stopped when domain.{0}-2@", group)));
    CHECK(most_between(seen, "Stopped", "Started") <= 1);
    CHECK(std::none_of(seen.begin(), seen.end(), [&](const auto& e) { return e.domain == group + "-3"; }));
  }
  WARN("rolling restart lab test took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
}
