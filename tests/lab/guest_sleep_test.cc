// The real lab guest suspends itself to RAM (ACPI S3, `virtplan.suspend` on
// its kernel command line): libvirt shows the domain pmsuspended while its
// QEMU keeps running. The plan reads it by the rule apply follows (every
// state but shut off and paused has a live QEMU, kvm/domain_power.h): its
// `state: running` is met, so the plan is empty and stays empty after an
// apply, and `state: stopped` stops it. When the reader took pmsuspended for
// stopped, the plan showed `stopped -> running` after every apply (which
// found it up and did nothing) and planned nothing for `state: stopped`.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <string>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::wait_until;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

using namespace std::chrono_literals;

struct SleepingGuest {
  const LabEnv& env;
  std::string tag;
  std::string guest;  // the guest's kernel and initrd directory

  std::string name() const { return "s-" + tag; }
  std::string serial_log() const { return fmt::format("/var/log/libvirt/qemu/s-{}-serial.log", tag); }

  std::string text(const std::string& state) const {
    return fmt::format(
        "stack: sl-{0}\nhosts:\n{1}"
        "domains:\n  s-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 256MiB\n    virt_type: qemu\n"
        "    state: {3}\n    shutdown_timeout: 10s\n"
        "    boot: {{kernel: {4}/vmlinuz, initrd: {4}/initrd.img, "
        "cmdline: \"console=ttyS0 loglevel=4 virtplan.noseed virtplan.suspend\"}}\n"
        "    xml: [{{set: /domain/devices/serial/log/@file, value: {5}}}]\n",
        tag, host_block(env, 0), env.hosts[0].name, state, guest, serial_log());
  }

  std::string serial() const { return virtplan::lab::serial_text(env, 0, serial_log()); }
};

}  // namespace

TEST_CASE(
    "a real guest that suspends itself to RAM is running to the plan: the plan stays empty and state stopped "
    "stops it") {
  const LabEnv env = require_lab(1);
  const SleepingGuest g{env, fmt::format("{}", getpid() % 100000), virtplan::lab::guest_dir()};
  const std::string stack = write_stack(g.text("running"));
  StackCleanup cleanup{env, stack, "rm -f " + virtplan::providers::shell_quote(g.serial_log())};
  env.run_in(0, "mkdir -p /var/log/libvirt/qemu");

  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);
  Probe probe{env, g.name()};
  // TCG under load: the guest takes 40 s or more to boot.
  const bool asleep = wait_until(
      300s, [&] { return probe.state() == "pmsuspended"; }, 1s);
  INFO("serial log:\n" << g.serial());
  REQUIRE(has(g.serial(), "VIRTPLAN-GUEST suspending to RAM"));
  REQUIRE(asleep);
  const std::string pid = probe.pid();

  // Asleep, its QEMU running: `state: running` holds.
  virtplan::lab::check_plan_empty(stack);
  const auto again = run_virtplan("apply --auto-approve -f " + stack);
  INFO(again.output);
  CHECK(again.status == 0);
  CHECK(probe.state() == "pmsuspended");
  CHECK(probe.pid() == pid);
  virtplan::lab::check_plan_empty(stack);

  // `state: stopped` is a change, and apply makes it.
  write_stack_at(stack, g.text("stopped"));
  const auto planned_stop = run_virtplan("plan -f " + stack);
  INFO(planned_stop.output);
  CHECK(has(planned_stop.output, "state  running -> stopped"));
  const auto stopped = run_virtplan("apply --auto-approve -f " + stack);
  INFO(stopped.output);
  CHECK(stopped.status == 0);
  CHECK(probe.state() == "shut off");
  virtplan::lab::check_plan_empty(stack);
}
