// `virtplan destroy` as users run it, against what it must not do silently
// (issue 15, items 6 and 7):
//   - a running real guest (tests/lab/guest, TCG) is shut down on ACPI and
//     waited for, never pulled off;
//   - domains without an OS, which ignore ACPI, are forced off after their
//     shutdown_timeout, side by side, and the output says so; `--force`
//     forces them off at once;
//   - the plan names what undefine drops with a domain: its managed save,
//     its NVRAM and its snapshots ("DATA LOSS: managed save, NVRAM, 3
//     snapshots"), and they are gone afterwards;
//   - a network a domain outside the stack (made with plain virsh) uses is
//     refused, naming that domain, by destroy and by apply; `destroy --force`
//     destroys it, naming whom it cuts off.

#include "providers/host/shell_quote.h"
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

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::wait_until;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// `count` domains without an OS (TCG, 64 MiB), each given `timeout`.
std::string no_os_stack(const LabEnv& env, const std::string& tag, int count, const std::string& timeout) {
  std::string text = fmt::format("stack: ds-{}\nhosts:\n{}domains:\n", tag, host_block(env, 0));
  for (int i = 0; i < count; ++i) {
    text += fmt::format(
        "  d{}-{}:\n    host: {}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
        "    shutdown_timeout: {}\n",
        i, tag, env.hosts[0].name, timeout);
  }
  return text;
}

std::string domains_named(const LabEnv& env, const std::string& tag) {
  return env.run_in(0, fmt::format("virsh -q list --all --name | grep -- '-{}$' || true", tag));
}

}  // namespace

TEST_CASE("destroy shuts a running real guest down on ACPI and waits for it, forcing nothing") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('g');
  const std::string guest = virtplan::lab::guest_dir();
  const std::string serial_log = "/var/log/libvirt/qemu/g-" + tag + "-serial.log";
  // A cloud-init seed, so the guest says when it is up (it reads the seed
  // after acpid started) without looking for one for 60 s.
  const std::string stack = write_stack(fmt::format(
      "stack: dg-{0}\nhosts:\n{1}"
      "pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
      "domains:\n  g-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 256MiB\n    virt_type: qemu\n"
      "    shutdown_timeout: 240s\n"
      "    boot: {{kernel: {3}/vmlinuz, initrd: {3}/initrd.img, cmdline: \"console=ttyS0 loglevel=4\"}}\n"
      "    disks: [{{volume: v-{0}, bus: virtio}}]\n"
      "    cloud_init: {{user_data: {{hello: destroy}}}}\n"
      "    xml: [{{set: /domain/devices/serial/log/@file, value: {4}}}]\n",
      tag, host_block(env, 0), env.hosts[0].name, guest, serial_log));
  StackCleanup cleanup{env, stack, "rm -f " + shell_quote(serial_log)};
  env.run_in(0, "mkdir -p /var/log/libvirt/qemu");
  const auto serial = [&] { return virtplan::lab::serial_text(env, 0, serial_log); };

  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);
  const bool up = wait_until(300s, [&] { return has(serial(), "VIRTPLAN-GUEST cidata on"); });
  INFO("serial log:\n" << serial());
  REQUIRE(up);

  const auto started = Clock::now();
  const auto destroyed = run_virtplan("destroy --auto-approve -f " + stack);
  const double took = seconds_since(started);
  INFO(destroyed.output);
  CHECK(destroyed.status == 0);
  CHECK_FALSE(has(destroyed.output, "forced off"));
  CHECK(has(serial(), "VIRTPLAN-GUEST acpi power button: powering off"));
  CHECK(trimmed(domains_named(env, tag)).empty());
  WARN("real guest: graceful destroy took " << took << " s");
}

TEST_CASE(
    "destroy forces off domains that ignore ACPI after their shutdown_timeout, side by side, and says so, and "
    "--force does not wait") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('t');
  constexpr int k_domains = 3;
  // 10 s each: side by side takes one timeout, one after another three, and
  // --force none; the bounds between leave a loaded machine its margin.
  const std::string stack = write_stack(no_os_stack(env, tag, k_domains, "10s"));
  // A running domain the stack does not own, named like the stack's: never
  // shut down or destroyed (its name does not end in -TAG).
  const std::string foreign = "d0-" + tag + "-keep";
  env.run_in(
      0,
      fmt::format("echo {} | virsh -q define /dev/stdin >/dev/null && virsh -q start {} >/dev/null",
                  shell_quote(fmt::format("<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory>"
                                          "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
                                          foreign)),
                  foreign));
  StackCleanup cleanup{env, stack, fmt::format("virsh -q destroy {0}; virsh -q undefine {0}", foreign)};
  auto foreign_state = [&] { return trimmed(env.run_in(0, "virsh -q domstate " + foreign)); };

  SECTION("graceful: each is asked, waited for 10 s, then forced off, all at once") {
    const auto created = run_virtplan("apply --auto-approve -f " + stack);
    INFO(created.output);
    REQUIRE(created.status == 0);
    const auto started = Clock::now();
    const auto destroyed = run_virtplan("destroy --auto-approve -f " + stack);
    const double took = seconds_since(started);
    INFO(destroyed.output);
    CHECK(destroyed.status == 0);
    for (int i = 0; i < k_domains; ++i) {
      CHECK(has(destroyed.output, fmt::format("d{}-{}", i, tag)));
    }
    std::size_t said = 0;
    for (auto at = destroyed.output.find("forced off: the guest did not shut down within 10 s");
         at != std::string::npos;
         at = destroyed.output.find("forced off: the guest did not shut down", at + 1)) {
      ++said;
    }
    CHECK(said == k_domains);
    CHECK(took >= 10.0);
    // One after another would take 30 s.
    CHECK(took < 25.0);
    CHECK(trimmed(domains_named(env, tag)).empty());
    CHECK(foreign_state() == "running");
  }
  SECTION("--force: forced off at once, no waiting") {
    const auto created = run_virtplan("apply --auto-approve -f " + stack);
    INFO(created.output);
    REQUIRE(created.status == 0);
    const auto started = Clock::now();
    const auto destroyed = run_virtplan("destroy --auto-approve --force -f " + stack);
    const double took = seconds_since(started);
    INFO(destroyed.output);
    CHECK(destroyed.status == 0);
    CHECK_FALSE(has(destroyed.output, "did not shut down"));
    CHECK(took < 9.5);  // less than one timeout: none was waited
    CHECK(trimmed(domains_named(env, tag)).empty());
    CHECK(foreign_state() == "running");
  }
}

TEST_CASE(
    "destroy's plan names a domain's managed save, NVRAM and snapshots as DATA LOSS, and removes them") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('m');
  const std::string host = env.hosts[0].name;
  const std::string name = "u-" + tag;
  const std::string base = fmt::format(
      "stack: dm-{0}\nhosts:\n{1}"
      "pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n",
      tag, host_block(env, 0), host);
  const std::string domain = fmt::format(
      "domains:\n  {0}:\n    host: {1}\n    vcpus: 1\n    memory: 128MiB\n    virt_type: qemu\n"
      "    firmware: uefi\n    state: stopped\n    disks: [{{volume: v-{2}, bus: virtio}}]\n",
      name, host, tag);
  const std::string stack = write_stack(base + domain);
  StackCleanup cleanup{env, stack};
  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);

  // Three internal snapshots while it is off (qcow2), then a start (which
  // makes its NVRAM file) and a managed save.
  const std::string quoted = shell_quote(name);
  env.run_in(
      0, fmt::format(
             "for s in one two three; do virsh -q snapshot-create-as --domain {0} --name $s >/dev/null; done"
             " && virsh -q start --domain {0} >/dev/null && virsh -q managedsave --domain {0} >/dev/null",
             quoted));
  const std::string nvram = "/var/lib/libvirt/qemu/nvram/" + name + "_VARS.fd";
  const std::string saved = "/var/lib/libvirt/qemu/save/" + name + ".save";
  REQUIRE(trimmed(env.run_in(0, "ls " + shell_quote(nvram) + " " + shell_quote(saved))) ==
          nvram + "\n" + saved);
  const std::string loss = "DATA LOSS: managed save, NVRAM, 3 snapshots";

  SECTION("dropped from the stack: the plan's destroy says what is lost") {
    write_stack_at(stack, base);
    const auto plan = run_virtplan("plan -f " + stack);
    INFO(plan.output);
    CHECK(has(plan.output, loss));
    write_stack_at(stack, base + domain);
  }
  const auto destroyed = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroyed.output);
  CHECK(destroyed.status == 0);
  CHECK(has(destroyed.output, loss));
  CHECK(trimmed(domains_named(env, tag)).empty());
  CHECK(trimmed(env.run_in(0, "ls " + shell_quote(nvram) + " " + shell_quote(saved) + " 2>/dev/null || true"))
            .empty());
}

TEST_CASE(
    "a network a domain outside the stack uses is not destroyed: destroy and apply refuse naming the domain, "
    "destroy --force cuts it off and says so") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('n');
  const std::string host = env.hosts[0].name;
  const std::string network = "n-" + tag;
  const std::string foreign = "f-" + tag;
  const std::string mac = "52:54:00:7e:00:01";
  const int octet = 160 + getpid() % 40;
  const std::string base = fmt::format("stack: dn-{0}\nhosts:\n{1}", tag, host_block(env, 0));
  const std::string with_network =
      base +
      fmt::format(
          "networks:\n  {0}:\n    host: {1}\n    mode: isolated\n    bridge: vpn{2}\n    ipv4: {{address: 10.{2}.7.1/24}}\n",
          network, host, octet);
  const std::string stack = write_stack(with_network);
  StackCleanup cleanup{
      env, stack,
      fmt::format("virsh -q destroy --domain {0} >/dev/null 2>&1; virsh -q undefine --domain {0} "
                  ">/dev/null 2>&1",
                  shell_quote(foreign))};
  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);

  // Defined and started by hand, as an administrator would: no virtplan marker.
  const std::string xml = fmt::format(
      "<domain type='qemu'><name>{0}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<devices><interface type='network'><mac address='{1}'/><source network='{2}'/></interface></devices>"
      "</domain>",
      foreign, mac, network);
  env.run_in(
      0,
      fmt::format("echo {} | virsh -q define /dev/stdin >/dev/null && virsh -q start --domain {} >/dev/null",
                  shell_quote(xml), shell_quote(foreign)));
  const std::string refusal = fmt::format(
      "network.{}@{}: would be destroyed but is held by domain.{}@{} (interface {}, "
      "running)",
      network, host, foreign, host, mac);
  const auto network_there = [&] {
    return trimmed(env.run_in(
        0, fmt::format("virsh -q net-list --all --name | grep -x -- {} || true", shell_quote(network))));
  };

  const auto refused = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(refused.output);
  CHECK(refused.status != 0);
  CHECK(has(refused.output, refusal));
  CHECK(has(refused.output, "--force"));
  CHECK(network_there() == network);

  write_stack_at(stack, base);
  const auto dropped = run_virtplan("apply --auto-approve -f " + stack);
  INFO(dropped.output);
  CHECK(dropped.status != 0);
  CHECK(has(dropped.output, refusal));
  CHECK(network_there() == network);
  write_stack_at(stack, with_network);

  const auto forced = run_virtplan("destroy --auto-approve --force -f " + stack);
  INFO(forced.output);
  CHECK(forced.status == 0);
  CHECK(has(forced.output,
            fmt::format("FORCED: cuts off domain.{}@{} (interface {}, running)", foreign, host, mac)));
  CHECK(network_there().empty());
  CHECK(trimmed(env.run_in(0, "virsh -q domstate --domain " + shell_quote(foreign))) == "running");
}
