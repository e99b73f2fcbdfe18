// A rolling migration of a replica group (issue 20, planner/rolling.h): the
// group's three running members move live from lab host 0 to lab host 1 when
// its `host:` changes, with `max_unavailable: 1`. Seen from the hosts
// (libvirt's lifecycle events on both, planner/rolling.h's promise): the
// members migrate one at a time and in member order; the next member's
// migration starts only once the one before has ended (its domain is gone
// from host 0). Tiny domains without an OS and without disks: what is
// migrated is their memory.

#include "tests/lab/command_trace_lines.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/lifecycle_events.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using virtplan::lab::apply_stack;
using virtplan::lab::domains_with;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::LifecycleEvents;
using virtplan::lab::plan_of;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trace_file_text;
using virtplan::lab::trace_lines;
using virtplan::lab::TraceLine;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

// A group of three tiny running domains on lab host `on`.
std::string group_stack_text(const LabEnv& env, const std::string& tag, std::size_t on) {
  return fmt::format(
      "stack: rollmig-{0}\nhosts:\n{1}{2}domains:\n  m{0}:\n    count: 3\n    max_unavailable: 1\n"
      "    host: {3}\n    vcpus: 1\n    memory: 32MiB\n    virt_type: qemu\n    shutdown_timeout: 1\n",
      tag, host_block(env, 0), host_block(env, 1), env.hosts[on].name);
}

// The start and end of each migration command in apply's trace
// (`--log-file`), by member name.
std::map<std::string, TraceLine> migrations_in_trace(const std::string& trace, const std::string& group) {
  std::map<std::string, TraceLine> out;
  for (const TraceLine& line : trace_lines(trace)) {
    if (!has(line.command, " virtplan-migrate ")) continue;
    const auto member = line.command.find(" " + group + "-");
    if (member == std::string::npos) continue;
    out[line.command.substr(member + 1, line.command.find_first_of(" '", member + 1) - member - 1)] = line;
  }
  return out;
}

}  // namespace

TEST_CASE("rolling migration of a group of 3 with max_unavailable 1: one member at a time, in member order") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('M');
  const std::string group = "m" + tag;
  const std::string stack = write_stack(group_stack_text(env, tag, 0));
  StackCleanup cleanup{env, stack};
  apply_stack(stack, group_stack_text(env, tag, 0));

  const std::string plan = plan_of(stack, group_stack_text(env, tag, 1));
  CHECK(has(plan, fmt::format("rolling: {0}-1, {0}-2, {0}-3 (max_unavailable 1)", group)));
  CHECK(has(plan, "live"));

  const std::string trace = stack + ".trace";
  LifecycleEvents source(env, 0, tag);
  LifecycleEvents destination(env, 1, tag);
  write_stack_at(stack, group_stack_text(env, tag, 1));
  const auto run = run_virtplan(fmt::format("--log-file {} apply --auto-approve -f {}", trace, stack));
  const std::string trace_text = trace_file_text(trace);
  std::filesystem::remove(trace);
  const auto left = source.of_group(group);
  const auto arrived = destination.of_group(group);
  INFO(run.output << "\nsource events:\n"
                  << source.text() << "\ndestination events:\n"
                  << destination.text() << "\ntrace:\n"
                  << trace_text);
  REQUIRE(run.status == 0);
  virtplan::lab::check_plan_empty(stack);

  // Each member left host 0 by migration and arrived running on host 1, in member order.
  const std::vector<std::string> in_order{group + "-1", group + "-2", group + "-3"};
  CHECK(domains_with(left, "Stopped", "Migrated") == in_order);
  CHECK(domains_with(arrived, "Resumed", "Migrated") == in_order);
  for (const auto& member : in_order) {
    CHECK(has(env.run_in(1, "virsh -q domstate " + member), "running"));
    CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), member));
  }

  // Never two at once: each member's migration began after the one before
  // it had ended (apply's trace of the migration commands on host 0).
  const auto migrations = migrations_in_trace(trace_text, group);
  REQUIRE(migrations.size() == 3);
  CHECK(migrations.at(group + "-2").started() >= migrations.at(group + "-1").ended);
  CHECK(migrations.at(group + "-3").started() >= migrations.at(group + "-2").ended);
  WARN("rolling migration lab test took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
}
