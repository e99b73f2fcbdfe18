// Apply asks a host for its domain capabilities in the background at the
// host's first step (KindActuator::prepare, DomainActuator's), so that
// libvirtd's probe of the QEMU binary after a start (seconds) runs beside
// the pool and volume steps instead of in front of the first define: seen in
// the command trace of a real apply over two lab hosts, one with a domain to
// define and one with none.

#include "tests/lab/command_trace_lines.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trace_file_text;
using virtplan::lab::trace_lines;
using virtplan::lab::TraceLine;
using virtplan::lab::write_stack;
using virtplan::test::run_virtplan;

namespace {

// The lines of `host` whose command has the virsh verb `verb`.
std::vector<TraceLine> of_verb(const std::vector<TraceLine>& lines, const std::string& host,
                               const std::string& verb) {
  std::vector<TraceLine> found;
  for (const TraceLine& one : lines) {
    if (one.host == host && has(" " + one.command + " ", " " + verb + " ")) found.push_back(one);
  }
  return found;
}

}  // namespace

TEST_CASE(
    "apply asks a host with domains to define for its domain capabilities once, before its first define") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('q');
  const std::string with = env.hosts[0].name, without = env.hosts[1].name;
  const std::string stack = write_stack(
      fmt::format("stack: probe-{0}\nhosts:\n{1}{2}"
                  "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
                  "volumes:\n  v-{0}: {{host: {3}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
                  "  w-{0}: {{host: {4}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
                  "domains:\n  d-{0}:\n    host: {3}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
                  "    state: stopped\n    disks: [{{volume: v-{0}, target: vda, bus: virtio}}]\n",
                  tag, host_block(env, 0), host_block(env, 1), with, without));
  StackCleanup cleanup{env, stack};
  const std::string trace = fmt::format("/tmp/vp-probe-trace-{}.log", tag);
  std::filesystem::remove(trace);

  const auto applied = run_virtplan(fmt::format("--log-file {} apply --auto-approve -f {}", trace, stack));
  INFO(applied.output);
  REQUIRE(applied.status == 0);
  const std::string text = trace_file_text(trace);
  INFO("trace:\n" << text);
  const std::vector<TraceLine> lines = trace_lines(text);

  // Once on the host with a domain to define, never on the one without.
  const std::vector<TraceLine> probes = of_verb(lines, with, "domcapabilities");
  REQUIRE(probes.size() == 1);
  CHECK(of_verb(lines, without, "domcapabilities").empty());
  // Sent at the host's first step, so under way before the define, which
  // comes after the pool's and the volume's steps, has ended.
  const std::vector<TraceLine> defines = of_verb(lines, with, "define");
  REQUIRE_FALSE(defines.empty());
  CHECK(probes.front().started() <= defines.front().ended);
  std::filesystem::remove(trace);
}
