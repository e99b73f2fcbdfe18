// Issue 5's remaining live changes through `virtplan apply` as users run it,
// on TCG domains without an OS (64 MiB): a NIC's link state and the owner
// metadata (restart policy, shutdown_timeout) change in the running domain
// and its config without a restart (same domain id and QEMU pid, visible in
// the live and the inactive XML); `state: stopped` forces off a domain that
// ignores the ACPI power button after its shutdown_timeout and says so; and
// `virtplan domain VERB` is refused, naming the holder, while an apply or
// another operation holds the stack's lock.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::wait_until;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::Background;
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;

namespace {

constexpr const char* k_mac = "52:54:00:dd:00:10";

// One isolated network and one domain without an OS on lab host 0; `extra`
// are more domain keys, `nic` more keys of its NIC. `octet` keeps each test
// case's subnet apart.
std::string live_stack(const LabEnv& env, const std::string& tag, int octet, const std::string& nic = "",
                       const std::string& extra = "") {
  return fmt::format(
      "stack: lv-{0}\nhosts:\n{1}"
      "networks:\n  n-{0}:\n    host: {2}\n    mode: isolated\n    bridge: vpl{3}\n"
      "    ipv4: {{address: 10.{3}.0.1/24}}\n"
      "domains:\n  d-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
      "    interfaces: [{{network: n-{0}, mac: \"{4}\"{5}}}]\n{6}",
      tag, host_block(env, 0), env.hosts[0].name, octet, k_mac, nic, extra);
}

}  // namespace

TEST_CASE(
    "a NIC's link state and the owner metadata change live through apply in the same QEMU process and show "
    "in the live and inactive XML") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('l');
  const std::string stack = write_stack(live_stack(env, tag, 221));
  StackCleanup cleanup{env, stack};
  apply_stack(stack, live_stack(env, tag, 221));
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  const std::string id = probe.id();
  const std::string pid = probe.pid();
  const std::string nic = fmt::format("//interface[mac/@address='{}']", k_mac);
  CHECK(probe.live(nic + "/link/@state") == "");

  SECTION("link down, then up again") {
    const auto down = apply_stack(stack, live_stack(env, tag, 221, ", link: down"));
    CHECK(has(down, "domain.d-" + tag));
    CHECK(probe.id() == id);
    CHECK(probe.pid() == pid);
    CHECK(probe.live(nic + "/link/@state") == "down");
    CHECK(probe.config(nic + "/link/@state") == "down");
    CHECK(probe.virsh(fmt::format("domif-getlink d-{} {}", tag, k_mac)).find("down") != std::string::npos);

    apply_stack(stack, live_stack(env, tag, 221, ", link: up"));
    CHECK(probe.id() == id);
    CHECK(probe.pid() == pid);
    CHECK(probe.live(nic + "/link/@state") == "up");
    CHECK(probe.config(nic + "/link/@state") == "up");
    CHECK(probe.virsh(fmt::format("domif-getlink d-{} {}", tag, k_mac)).find("up") != std::string::npos);
  }

  SECTION("owner metadata: restart policy and shutdown_timeout") {
    const std::string owner = "/domain/metadata/*[local-name()='owner']";
    CHECK(probe.live(owner + "/@restart") == "if-needed");
    apply_stack(stack, live_stack(env, tag, 221, "", "    restart: never\n    shutdown_timeout: 45s\n"));
    CHECK(probe.id() == id);
    CHECK(probe.pid() == pid);
    CHECK(probe.live(owner + "/@restart") == "never");
    CHECK(probe.config(owner + "/@restart") == "never");
    CHECK(probe.live(owner + "/@shutdown-timeout") == "45");
    CHECK(probe.config(owner + "/@shutdown-timeout") == "45");
    CHECK(probe.live(owner + "/@stack") == "lv-" + tag);
  }
}

TEST_CASE(
    "state stopped: a domain that ignores the ACPI power button is forced off after its shutdown_timeout "
    "and apply says so, where an operation's shutdown without --force only asks") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('s');
  const std::string running = live_stack(env, tag, 222, "", "    shutdown_timeout: 5s\n");
  const std::string stack = write_stack(running);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, running);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");

  // An operation's shutdown without --force only asks: after its --timeout
  // it fails saying so, and the guest runs on.
  const auto asked = run_virtplan(
      fmt::format("domain shutdown domain.d-{}@{} --timeout 2 -f {}", tag, env.hosts[0].name, stack));
  INFO(asked.output);
  CHECK(asked.status != 0);
  CHECK(has(asked.output, "asked to shut down, but still running after 2 s; not forced off"));
  CHECK(probe.state() == "running");

  write_stack_at(stack, live_stack(env, tag, 222, "", "    shutdown_timeout: 5s\n    state: stopped\n"));
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_virtplan("apply --auto-approve -f " + stack);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(has(run.output,
            fmt::format("domain.d-{}@{}: warning: stopped: the guest did not shut down within 5 s and "
                        "was forced off",
                        tag, env.hosts[0].name)));
  CHECK(probe.state() == "shut off");
  // 5 s of waiting, and not the 60 s default.
  CHECK(took >= 5.0);
  CHECK(took < 40.0);
  WARN("apply with a forced stop took " << took << " s");
  CHECK(run_virtplan("plan --detailed-exitcode -f " + stack).status == 0);
}

TEST_CASE(
    "an operation is refused while an apply or another operation holds the stack's lock, naming the "
    "holder, and does nothing") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('o');
  // The holders wait for a guest that ignores the ACPI power button (no OS)
  // for up to 60 s, which only bounds them: once the refusals are seen, the
  // guest is powered off on the host, as if it had shut down, and each
  // holder ends at once.
  const std::string text = live_stack(env, tag, 223, "", "    shutdown_timeout: 60s\n");
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, text);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  const std::string address = fmt::format("domain.d-{}@{}", tag, env.hosts[0].name);
  const std::string lock_file = fmt::format("cat /var/lib/virtplan/lock/lv-{}.lock", tag);
  // Until the holder started in the background has recorded itself: the file
  // keeps the line of every earlier holder, so its pid tells them apart.
  auto wait_for_holder = [&](const Background& holder, const std::string& command) {
    const std::string line = fmt::format("`{}` (pid {} on ", command, holder.pid);
    return wait_until(std::chrono::seconds(60), [&] { return has(env.run_in(0, lock_file), line); });
  };
  const auto guest_shuts_down = [&] { probe.virsh("destroy d-" + tag); };

  // The holder is another operation: a shutdown waiting for the guest, up
  // to its --timeout.
  Background shutdown = start_virtplan(fmt::format("domain shutdown {} --timeout 60 -f {}", address, stack),
                                       stack + ".shutdown.log");
  REQUIRE(wait_for_holder(shutdown, "virtplan domain shutdown"));
  const auto refused = run_virtplan("domain destroy " + address + " -f " + stack);
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(has(refused.output,
            fmt::format("{}: {}: stack 'lv-{}' is locked by `virtplan domain shutdown` (pid {} on ", address,
                        env.hosts[0].name, tag, shutdown.pid)));
  CHECK(has(refused.output, "; try again when it finishes; nothing done"));
  // gc takes the stack's lock too (an apply could be cloning an image it
  // decides about); listing alone does not.
  const auto refused_gc = run_virtplan("gc --auto-approve -f " + stack);
  INFO(refused_gc.output);
  CHECK(refused_gc.status == 1);
  CHECK(has(refused_gc.output,
            fmt::format("{}: stack 'lv-{}' is locked by `virtplan domain shutdown` (pid {} on ",
                        env.hosts[0].name, tag, shutdown.pid)));
  CHECK(has(refused_gc.output, "; nothing collected there"));
  const auto gc_listed = run_virtplan("gc --dry-run -f " + stack);
  INFO(gc_listed.output);
  CHECK(gc_listed.status == 0);
  CHECK(has(gc_listed.output, "Nothing to collect."));
  CHECK(probe.state() == "running");  // the refused destroy forced nothing off
  guest_shuts_down();
  CHECK(shutdown.wait() == 0);
  INFO(shutdown.output());
  CHECK(has(shutdown.output(), address + ": shut down"));
  probe.virsh("start d-" + tag);
  REQUIRE(probe.state() == "running");

  // The holder is an apply: stopping the domain, which waits up to its
  // shutdown_timeout for the guest.
  write_stack_at(stack, live_stack(env, tag, 223, "", "    shutdown_timeout: 60s\n    state: stopped\n"));
  Background apply = start_virtplan("apply --auto-approve -f " + stack, stack + ".apply.log");
  REQUIRE(wait_for_holder(apply, "virtplan apply"));
  const auto refused_snapshot = run_virtplan("domain snapshot " + address + " s1 -f " + stack);
  INFO(refused_snapshot.output);
  CHECK(refused_snapshot.status == 1);
  CHECK(has(refused_snapshot.output,
            fmt::format("stack 'lv-{}' is locked by `virtplan apply` (pid {} on ", tag, apply.pid)));
  CHECK(has(refused_snapshot.output, "nothing done"));
  // Listing snapshots changes nothing: it needs no lock.
  const auto listed = run_virtplan("domain snapshot-list " + address + " -f " + stack);
  INFO(listed.output);
  CHECK(listed.status == 0);
  CHECK_FALSE(has(listed.output, "s1"));
  CHECK(probe.state() == "running");  // the refused snapshot did nothing
  guest_shuts_down();
  CHECK(apply.wait() == 0);
  INFO(apply.output());
  CHECK(probe.state() == "shut off");

  // With no holder the operation runs.
  write_stack_at(stack, text);
  const auto done = run_virtplan("domain start " + address + " -f " + stack);
  INFO(done.output);
  CHECK(done.status == 0);
  CHECK(probe.state() == "running");
  for (const char* suffix : {".shutdown.log", ".apply.log"}) std::filesystem::remove(stack + suffix);
}
