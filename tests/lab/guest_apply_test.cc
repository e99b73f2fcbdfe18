// The real lab guest (tests/lab/guest: Debian's kernel, a busybox initramfs
// that reports hot-plug and ACPI events on its serial console) driven only
// through `virtplan apply`: a running guest loses a virtio disk and a NIC
// from the stack, apply detaches both live and confirms it (the guest lets
// go, the serial log shows the unplug, same QEMU process); then
// `state: stopped` shuts it down gracefully (the guest powers off on ACPI,
// nothing is forced). TCG under load: the guest takes 40 s or more to boot.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

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

constexpr const char* k_mac1 = "52:54:00:de:00:10";
constexpr const char* k_mac2 = "52:54:00:de:00:11";

struct GuestStack {
  const LabEnv& env;
  std::string tag;
  std::string guest;  // the guest's kernel and initrd directory
  int octet = 0;

  std::string serial_log() const { return fmt::format("/var/log/libvirt/qemu/g-{}-serial.log", tag); }

  // Two virtio disks and two NICs, or (`full` false) only vda and the first
  // NIC; `state` running or stopped.
  std::string text(bool full, const std::string& state) const {
    std::string out = fmt::format(
        "stack: gs-{0}\nhosts:\n{1}"
        "pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  a-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
        "  b-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
        "networks:\n  n-{0}:\n    host: {2}\n    mode: nat\n    bridge: vpg{3}\n"
        "    ipv4:\n      address: 10.{3}.0.1/24\n      dhcp:\n        range: 10.{3}.0.100-10.{3}.0.199\n"
        "domains:\n  g-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 256MiB\n    virt_type: qemu\n"
        "    state: {4}\n    shutdown_timeout: 120s\n    hotplug_slots: 1\n"
        "    boot: {{kernel: {5}/vmlinuz, initrd: {5}/initrd.img, cmdline: \"console=ttyS0 loglevel=4 virtplan.noseed\"}}\n"
        "    xml: [{{set: /domain/devices/serial/log/@file, value: {6}}}]\n"
        "    disks:\n      - {{volume: a-{0}, target: vda, bus: virtio}}\n",
        tag, host_block(env, 0), env.hosts[0].name, octet, state, guest, serial_log());
    if (full) out += fmt::format("      - {{volume: b-{}, target: vdb, bus: virtio}}\n", tag);
    out += fmt::format("    interfaces:\n      - {{network: n-{}, mac: \"{}\"}}\n", tag, k_mac1);
    if (full) out += fmt::format("      - {{network: n-{}, mac: \"{}\"}}\n", tag, k_mac2);
    return out;
  }

  std::string serial() const { return virtplan::lab::serial_text(env, 0, serial_log()); }
};

}  // namespace

TEST_CASE(
    "apply detaches a virtio disk and a NIC from the running real guest which lets them go and then "
    "stops it gracefully") {
  const LabEnv env = require_lab(1);
  const GuestStack g{env, fmt::format("{}", getpid() % 100000), virtplan::lab::guest_dir(),
                     224 + getpid() % 8};
  const std::string stack = write_stack(g.text(true, "running"));
  StackCleanup cleanup{env, stack, "rm -f " + virtplan::providers::shell_quote(g.serial_log())};
  env.run_in(0, "mkdir -p /var/log/libvirt/qemu");

  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);
  Probe probe{env, "g-" + g.tag};
  REQUIRE(probe.state() == "running");
  const std::string id = probe.id();
  const std::string pid = probe.pid();
  // The guest watches its devices once it has looked for a seed (none
  // here, and virtplan.noseed says so: it does not wait for one).
  const bool watching = wait_until(300s, [&] { return has(g.serial(), "VIRTPLAN-GUEST devices"); });
  INFO("serial log:\n" << g.serial());
  REQUIRE(watching);
  const std::string devices = g.serial();
  CHECK(has(devices, "vda"));
  CHECK(has(devices, "vdb"));
  CHECK(has(devices, "eth1"));

  write_stack_at(stack, g.text(false, "running"));
  const auto detached = run_virtplan("apply --auto-approve -f " + stack);
  INFO(detached.output);
  CHECK(detached.status == 0);
  CHECK_FALSE(has(detached.output, "did not release"));
  CHECK(probe.id() == id);
  CHECK(probe.pid() == pid);
  CHECK(probe.live("count(//disk[target/@dev='vdb'])") == "0");
  CHECK(probe.config("count(//disk[target/@dev='vdb'])") == "0");
  CHECK(probe.live(fmt::format("count(//interface[mac/@address='{}'])", k_mac2)) == "0");
  CHECK(probe.config(fmt::format("count(//interface[mac/@address='{}'])", k_mac2)) == "0");
  CHECK(probe.live(fmt::format("count(//interface[mac/@address='{}'])", k_mac1)) == "1");
  CHECK(wait_until(30s, [&] { return has(g.serial(), "VIRTPLAN-GUEST hotplug remove vd"); }));
  CHECK(wait_until(30s, [&] { return has(g.serial(), "VIRTPLAN-GUEST hotplug remove eth"); }));
  CHECK(run_virtplan("plan --detailed-exitcode -f " + stack).status == 0);

  write_stack_at(stack, g.text(false, "stopped"));
  const auto started = std::chrono::steady_clock::now();
  const auto stopped = run_virtplan("apply --auto-approve -f " + stack);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(stopped.output);
  CHECK(stopped.status == 0);
  CHECK_FALSE(has(stopped.output, "forced off"));
  CHECK(probe.state() == "shut off");
  CHECK(has(g.serial(), "VIRTPLAN-GUEST acpi power button: powering off"));
  CHECK(run_virtplan("plan --detailed-exitcode -f " + stack).status == 0);
  WARN("real guest: graceful stop through apply took " << took << " s");
}
