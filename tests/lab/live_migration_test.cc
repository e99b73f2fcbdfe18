// Live migration of the real lab guest (tests/lab/guest, TCG) between two lab
// hosts, its disk copied while it runs (issue 20), all through `virtplan
// apply`: a running domain whose `host:` changes is planned as one `migrate`
// `live`; a destination that refuses SSH fails the apply and leaves the guest
// running where it was (same QEMU), and the next apply, once the destination
// answers, moves it with nothing but SSH allowed between the hosts (QEMU's
// streams cross the migration's own SSH forward). The guest keeps its boot
// id and its uptime goes on, QEMU runs on the new host, the disk's bytes are
// there, nothing (domain, volume, key, authorization) stays behind, and the
// next plan is empty. Then it moves back, the apply killed mid-migration
// (`kill -9`): the rerun converges on one owner, the guest still the same.
// Then over again, killed the same way, with the migration that apply left
// cut short after the rerun planned to finish it: the rerun makes it again.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/migration_key.h"
#include "tests/lab/nft_table.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <thread>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::NftTable;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::wait_until;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;
using namespace std::chrono_literals;

namespace {

struct LiveGuest {
  const LabEnv& env;
  std::string tag;
  std::string guest = virtplan::lab::guest_dir();

  std::string name() const { return "g-" + tag; }
  std::string serial_log() const { return fmt::format("/var/log/libvirt/qemu/g-{}-serial.log", tag); }

  // The guest (running) and its raw volume, on lab host `on`.
  std::string stack(std::size_t on) const {
    const std::string host = env.hosts[on].name;
    return fmt::format(
        "stack: live-{0}\nhosts:\n{1}{2}"
        "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  r-{0}: {{host: {3}, pool: p-{0}, format: raw, capacity: 96MiB}}\n"
        "domains:\n  g-{0}:\n    host: {3}\n    vcpus: 1\n    memory: 128MiB\n    virt_type: qemu\n"
        "    boot: {{kernel: {4}/vmlinuz, initrd: {4}/initrd.img, cmdline: \"console=ttyS0 loglevel=4\"}}\n"
        "    xml: [{{set: /domain/devices/serial/log/@file, value: {5}}}]\n"
        "    disks: [{{volume: r-{0}, target: vda, bus: virtio}}]\n",
        tag, host_block(env, 0), host_block(env, 1), host, guest, serial_log());
  }

  std::string serial(std::size_t i) const {
    return env.run_in(i, "cat " + shell_quote(serial_log()) + " 2>/dev/null || true");
  }
  // The guest's last heartbeat on host i's serial log: its boot id and uptime.
  std::pair<std::string, double> alive(std::size_t i) const {
    return virtplan::lab::last_heartbeat(serial(i));
  }
  std::string state(std::size_t i) const {
    return trimmed(env.run_in(i, "virsh -q domstate " + name() + " 2>/dev/null || true"));
  }
  bool defined(std::size_t i) const { return has(env.run_in(i, "virsh -q list --all --name"), name()); }
  std::string qemu_pid(std::size_t i) const {
    return trimmed(env.run_in(i, "cat /run/libvirt/qemu/" + name() + ".pid 2>/dev/null || true"));
  }
  bool volume_on(std::size_t i) const {
    return has(env.run_in(i, fmt::format("virsh -q vol-list --pool p-{} 2>/dev/null; true", tag)),
               "r-" + tag);
  }
  std::string sha256(std::size_t i) const {
    const std::string path = trimmed(env.run_in(i, fmt::format("virsh -q vol-path --pool p-{0} r-{0}", tag)));
    return env.run_in(i, "sha256sum < " + shell_quote(path));
  }
  // Nothing of this guest's migration key or authorization left on host i.
  bool no_key_left(std::size_t i) const {
    return virtplan::lab::no_migration_key_left(env, i, virtplan::lab::domain_uuid(env, name()));
  }
};

// After the guest moved from host `from` to host `to`: running there only,
// the same guest (boot id, uptime on), the disk's bytes there, nothing left.
void check_moved_live(const LiveGuest& g, const std::string& stack, std::size_t from, std::size_t to,
                      const std::string& boot_id, double uptime, const std::string& sha) {
  CHECK(g.state(to) == "running");
  CHECK_FALSE(g.defined(from));
  CHECK_FALSE(g.volume_on(from));
  CHECK(g.qemu_pid(from).empty());
  const std::string pid = g.qemu_pid(to);
  REQUIRE_FALSE(pid.empty());
  CHECK(has(g.env.run_in(to, "cat /proc/" + pid + "/cmdline | tr '\\0' ' '"), "guest=" + g.name()));
  CHECK(g.sha256(to) == sha);
  // The guest goes on printing its heartbeat, now into the new host's log.
  const bool beating = wait_until(60s, [&] { return g.alive(to).second > uptime; });
  INFO("serial log on the new host:\n" << g.serial(to));
  CHECK(beating);
  CHECK(g.alive(to).first == boot_id);
  CHECK_FALSE(has(g.serial(to), "VIRTPLAN-GUEST boot"));
  // (A killed apply's script on the source may still be ending: it removes
  // its own key as it does.)
  CHECK(wait_until(30s, [&] { return g.no_key_left(0) && g.no_key_left(1); }));
  INFO("left on host 0: " << g.env.run_in(
           0, "ls /run/virtplan-migrate; grep virtplan-migrate /root/.ssh/authorized_keys; true"));
  INFO("left on host 1: " << g.env.run_in(
           1, "ls /run/virtplan-migrate; grep virtplan-migrate /root/.ssh/authorized_keys; true"));
  CHECK(g.no_key_left(0));
  CHECK(g.no_key_left(1));
  CHECK_FALSE(has(g.env.run_in(from, fmt::format("cat /var/lib/virtplan/ledger/live-{}.json; true", g.tag)),
                  g.name()));
  virtplan::lab::check_plan_empty(stack);
}

// Moves the guest to host `to` in the stack, starts an apply and kills it
// (-9) once the guest is arriving there (defined: the live migration under
// way); whether it arrived in time.
bool killed_once_arriving(const LiveGuest& g, const std::string& stack, std::size_t to) {
  write_stack_at(stack, g.stack(to));
  const auto killed = virtplan::lab::apply_killed_once(
      stack, fmt::format("/tmp/live-killed-{}-{}.log", g.tag, to), [&] { return g.defined(to); });
  UNSCOPED_INFO("killed apply: " << killed.output);
  return killed.reached;
}

double live_seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE(
    "the real guest migrates live with its disk copied: refused first then moved over SSH only then "
    "back with the apply killed mid-migration then over again with that migration cut short") {
  const LabEnv env = require_lab(2);
  const LiveGuest g{env, tag_for('L')};
  const std::string stack = write_stack(g.stack(0));
  StackCleanup cleanup{env, stack, "rm -f " + shell_quote(g.serial_log())};
  for (std::size_t i : {0, 1})
    env.run_in(i, "mkdir -p /var/log/libvirt/qemu && rm -f " + shell_quote(g.serial_log()));

  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  // Random bytes and a marker on the disk, beside the guest (which reads none).
  const std::string path = trimmed(env.run_in(0, fmt::format("virsh -q vol-path --pool p-{0} r-{0}", g.tag)));
  env.run_in(0, fmt::format("dd if=/dev/urandom of={0} bs=1M count=32 conv=notrunc status=none && "
                            "printf 'virtplan-live-{1}' | dd of={0} bs=1M seek=90 conv=notrunc status=none",
                            shell_quote(path), g.tag));
  const std::string sha = g.sha256(0);
  REQUIRE(wait_until(180s, [&] { return !g.alive(0).first.empty(); }));
  const std::string boot_id = g.alive(0).first;
  const std::string pid = g.qemu_pid(0);

  write_stack_at(stack, g.stack(1));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  CHECK(has(plan.output, fmt::format("~> domain.g-{}@{}", g.tag, env.hosts[0].name)));
  CHECK(has(plan.output, fmt::format("migrate to {}  live, 96 MiB of disk copied", env.hosts[1].name)));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  const auto json_plan = nlohmann::json::parse(run_virtplan("plan --json -f " + stack).output);
  const auto& first = json_plan.at("changes").at(0);
  CHECK(first.at("action") == "migrate");
  CHECK(first.at("live") == true);

  {
    // The destination refuses the source's SSH: the apply fails, the guest
    // runs on where it was, in the same QEMU; the empty volume made on the
    // destination stays, owned (the next apply makes it again).
    NftTable refuse{env, 1, "inet", "type filter hook input priority 0;",
                    fmt::format("ip saddr {} tcp dport 22 reject with tcp reset", env.hosts[0].address)};
    const auto refused = run_virtplan("apply --auto-approve -f " + stack);
    INFO(refused.output);
    CHECK(refused.status != 0);
    CHECK(has(refused.output,
              fmt::format("failed; the domain is running on {}, where it was", env.hosts[0].name)));
    CHECK(g.state(0) == "running");
    CHECK(g.qemu_pid(0) == pid);
    CHECK_FALSE(g.defined(1));
    CHECK(g.no_key_left(0));
    CHECK(g.no_key_left(1));
    CHECK(has(run_virtplan("plan -f " + stack).output, "live, 96 MiB of disk copied"));
  }

  {
    // Nothing but SSH from the source reaches the destination.
    NftTable only_ssh{env, 1, "inet", "type filter hook input priority 0;",
                      fmt::format("ip saddr {} tcp dport != 22 drop", env.hosts[0].address)};
    const double before = g.alive(0).second;
    const auto start = std::chrono::steady_clock::now();
    const auto moved = run_virtplan("apply --auto-approve -f " + stack);
    const double took = live_seconds_since(start);
    INFO(moved.output);
    REQUIRE(moved.status == 0);
    WARN("live migration of the lab guest (96 MiB disk, 128 MiB memory) through apply took " << took << " s");
    check_moved_live(g, stack, 0, 1, boot_id, before, sha);
  }

  // Back to host 0, the apply killed once the guest is arriving there.
  env.run_in(0, "rm -f " + shell_quote(g.serial_log()));
  const double before = g.alive(1).second;
  CHECK(killed_once_arriving(g, stack, 0));
  const auto start = std::chrono::steady_clock::now();
  const auto rerun = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  WARN("the rerun after the killed live migration took " << live_seconds_since(start) << " s");
  check_moved_live(g, stack, 1, 0, boot_id, before, sha);

  // Over to host 1 again, the apply killed once the guest is arriving there
  // (held at 1 MiB/s: still under way when the rerun reads the hosts), and
  // the migration cut short (aborted on the source) once the rerun has
  // planned to finish it: the rerun migrates it again, live.
  env.run_in(1, "rm -f " + shell_quote(g.serial_log()));
  env.run_in(0, fmt::format("virsh -q migrate-setspeed {} --bandwidth 1", g.name()));
  const double before_cut = g.alive(0).second;
  REQUIRE(killed_once_arriving(g, stack, 1));
  auto finishing = start_virtplan("apply --auto-approve --lock-wait 60 -f " + stack,
                                  "/tmp/live-finishing-" + g.tag + ".log");
  const std::string started = fmt::format("domain.{}@{}: migrating", g.name(), env.hosts[0].name);
  const bool planned = wait_until(90s, [&] { return has(finishing.output(), started); });
  const std::string planned_output = finishing.output();
  // Its step waits for the migration under way (it polls each second).
  std::this_thread::sleep_for(2s);
  const std::string aborted =
      env.run_in(0, fmt::format("virsh -q domjobabort {0} 2>&1 && echo aborted; "
                                "virsh -q migrate-setspeed {0} --bandwidth 8192 >/dev/null 2>&1; true",
                                g.name()));
  const int finished = finishing.wait();
  INFO("the rerun: " << finishing.output());
  REQUIRE(planned);
  CHECK(has(planned_output, "finishing: its live migration to " + env.hosts[1].name + " under way ends"));
  CHECK(has(aborted, "aborted"));
  REQUIRE(finished == 0);
  CHECK(
      has(finishing.output(), fmt::format("the migration to {} a killed apply left under way was cut short: "
                                          "migrated again",
                                          env.hosts[1].name)));
  check_moved_live(g, stack, 0, 1, boot_id, before_cut, sha);
}

// Both hosts reached as a user who may only `sudo -n` (the lab's
// vplab-sudo, whose home /home/vplab-sudo every lab host shares): the
// migration's scripts run as root through sudo, its key is authorized in that
// user's authorized_keys on the destination, and what the key may run there
// is `sudo -n virt-ssh-helper`. A home others may write, which sshd's
// StrictModes makes it ignore, is refused first, saying why, with the domain
// running where it was. A tiny running domain without an OS, with one small
// disk: its memory and its disk cross the migration's SSH forward.
TEST_CASE("live migration between hosts reached as a user with become: sudo") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('S');
  const auto sudo_host = [&](std::size_t i) {
    return fmt::format(
        "  {}:\n    address: ssh://vplab-sudo@{}:22\n    identity: {}\n    known_hosts: {}\n    become: sudo\n",
        env.hosts[i].name, env.hosts[i].address, env.client_key, env.known_hosts);
  };
  const auto text = [&](std::size_t on) {
    return fmt::format(
        "stack: sudo-live-{0}\nhosts:\n{1}{2}"
        "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  d-{0}: {{host: {3}, pool: p-{0}, format: raw, capacity: 8MiB}}\n"
        "domains:\n  s-{0}: {{host: {3}, vcpus: 1, memory: 32MiB, virt_type: qemu, shutdown_timeout: 1,\n"
        "    disks: [{{volume: d-{0}, target: vda, bus: virtio}}]}}\n",
        tag, sudo_host(0), sudo_host(1), env.hosts[on].name);
  };
  const std::string name = "s-" + tag;
  const std::string stack = write_stack(text(0));
  StackCleanup cleanup{env, stack};
  virtplan::lab::apply_stack(stack, text(0));
  const std::string path = trimmed(env.run_in(0, fmt::format("virsh -q vol-path --pool p-{0} d-{0}", tag)));
  env.run_in(0, fmt::format("printf 'virtplan-sudo-{}' | dd of={} conv=notrunc status=none", tag,
                            shell_quote(path)));
  const std::string sha = env.run_in(0, "sha256sum < " + shell_quote(path));

  const std::string plan = virtplan::lab::plan_of(stack, text(1));
  CHECK(has(plan, fmt::format("migrate to {}  live, 8 MiB of disk copied", env.hosts[1].name)));
  {
    // A home any user may write: sshd would ignore the key, so nothing starts.
    env.run_in(1, "chmod 0777 /home/vplab-sudo");
    const auto refused = run_virtplan("apply --auto-approve -f " + stack);
    env.run_in(1, "chmod 0700 /home/vplab-sudo");
    INFO(refused.output);
    CHECK(refused.status != 0);
    CHECK(has(refused.output, "the migration's key would be refused: /home/vplab-sudo has owner uid"));
    CHECK(has(refused.output, "mode 777"));
    CHECK(has(refused.output,
              fmt::format("failed; the domain is running on {}, where it was", env.hosts[0].name)));
    CHECK_FALSE(has(env.run_in(1, "virsh -q list --all --name"), name));
  }
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(trimmed(env.run_in(1, "virsh -q domstate " + name)) == "running");
  CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), name));
  CHECK(env.run_in(1, fmt::format("sha256sum < $(virsh -q vol-path --pool p-{0} d-{0})", tag)) == sha);
  // Nothing of the migration is left: no key on the source, no line in the
  // user's authorized_keys on the destination.
  const std::string uuid = virtplan::lab::domain_uuid(env, name);
  for (std::size_t i : {0, 1}) {
    INFO("host " << i);
    CHECK(virtplan::lab::no_migration_key_left(env, i, uuid, "/home/vplab-sudo/.ssh/authorized_keys"));
  }
  virtplan::lab::check_plan_empty(stack);
  WARN("live migration with become: sudo took " << live_seconds_since(start) << " s");
}
