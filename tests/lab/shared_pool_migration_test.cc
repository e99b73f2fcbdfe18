// Migration through a shared pool (issue 20): a dir pool in the lab's
// directory under /var/tmp, which every lab host sees alike (their /root,
// /run, /tmp and /var/lib/virtplan are their own), declared `shared: true`,
// stands for an NFS mount. The domain moves, offline and live (the real lab
// guest under TCG), with no byte copied: the new host runs the very file the
// old one did (same inode, the bytes unchanged, the file never deleted), the
// old host's ledger lets go of it, the next plan is empty on both hosts, and
// destroy deletes it once. A live migration killed (`kill -9`) mid-way
// converges on the rerun, and so does one whose stack drops `shared: true`
// after the kill (the ledger says how the migration began). A pool declared
// shared that is not (each host's own directory) fails the apply before
// anything changes.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace shared_pool_lab {

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::trimmed;
using virtplan::lab::wait_until;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using namespace std::chrono_literals;

// A stack of one pool on both hosts (in `dir`: `{}` is the tag), a raw volume
// and a domain using it, both on lab host `on`.
struct SharedStack {
  const LabEnv& env;
  std::string tag;
  std::string dir;  // the pool's directory
  bool running = false;
  bool declared_shared = true;  // `shared: true` on the pool
  bool pools_only = false;      // the pools alone, no volume or domain yet

  std::string pool() const { return "sp-" + tag; }
  std::string volume() const { return "sv-" + tag; }
  std::string domain() const { return "sd-" + tag; }
  std::string serial_log() const { return fmt::format("/var/log/libvirt/qemu/sd-{}-serial.log", tag); }

  std::string text(std::size_t on) const {
    const std::string host = env.hosts[on].name;
    std::string domain_keys;
    if (running) {
      const std::string guest = virtplan::lab::guest_dir();
      domain_keys = fmt::format(
          "    memory: 128MiB\n    virt_type: qemu\n"
          "    boot: {{kernel: {0}/vmlinuz, initrd: {0}/initrd.img, cmdline: \"console=ttyS0 loglevel=4\"}}\n"
          "    xml: [{{set: /domain/devices/serial/log/@file, value: {1}}}]\n"
          "    disks: [{{volume: {2}, target: vda, bus: virtio, cache: none}}]\n",
          guest, serial_log(), volume());
    } else {
      domain_keys = fmt::format(
          "    memory: 64MiB\n    state: stopped\n    virt_type: qemu\n"
          "    disks: [{{volume: {}, target: vda}}]\n",
          volume());
    }
    const std::string objects =
        pools_only ? ""
                   : fmt::format(
                         "volumes:\n  {0}: {{host: {1}, pool: {2}, format: raw, capacity: 96MiB}}\n"
                         "domains:\n  {3}:\n    host: {1}\n    vcpus: 1\n{4}",
                         volume(), host, pool(), domain(), domain_keys);
    return fmt::format(
        "stack: shared-{0}\nhosts:\n{1}{2}pools:\n  {3}: {{hosts: all, type: dir, path: {4}{5}}}\n{6}", tag,
        host_block(env, 0), host_block(env, 1), pool(), dir, declared_shared ? ", shared: true" : "",
        objects);
  }

  std::string path(std::size_t i) const {
    return trimmed(
        env.run_in(i, fmt::format("virsh -q vol-path --pool {} {} 2>/dev/null; true", pool(), volume())));
  }
  // The file's inode and sha256 as host i sees them at `file`.
  std::string identity(std::size_t i, const std::string& file) const {
    return trimmed(env.run_in(i, fmt::format("stat -c %i {0} && sha256sum < {0}", shell_quote(file))));
  }
  bool defined(std::size_t i) const { return has(env.run_in(i, "virsh -q list --all --name"), domain()); }
  std::string state(std::size_t i) const {
    return trimmed(env.run_in(i, "virsh -q domstate " + domain() + " 2>/dev/null || true"));
  }
  std::string ledger(std::size_t i) const {
    return env.run_in(i, fmt::format("cat /var/lib/virtplan/ledger/shared-{}.json 2>/dev/null; true", tag));
  }
  std::string serial(std::size_t i) const {
    return env.run_in(i, "cat " + shell_quote(serial_log()) + " 2>/dev/null || true");
  }
  // The guest's last heartbeat on host i's serial log: its boot id and uptime.
  std::pair<std::string, double> alive(std::size_t i) const {
    return virtplan::lab::last_heartbeat(serial(i));
  }
};

// Random bytes and a marker in the volume's first MiBs; returns the file's
// inode and sha256.
std::string fill(const SharedStack& s, const std::string& file) {
  s.env.run_in(0,
               fmt::format("dd if=/dev/urandom of={0} bs=1M count=8 conv=notrunc status=none && "
                           "printf 'virtplan-shared-{1}' | dd of={0} bs=1M seek=90 conv=notrunc status=none",
                           shell_quote(file), s.tag));
  return s.identity(0, file);
}

// After a move from host `from` to host `to` through the shared pool: the
// domain there only, the same file (inode, bytes) at the same path, listed
// by the new host's pool, the old host's ledger without either, nothing more
// planned on either host.
void check_moved_shared(const SharedStack& s, const std::string& stack, std::size_t from, std::size_t to,
                        const std::string& file, const std::string& identity) {
  CHECK(s.defined(to));
  CHECK_FALSE(s.defined(from));
  CHECK(s.path(to) == file);
  CHECK(s.identity(to, file) == identity);
  CHECK(s.identity(from, file) == identity);
  CHECK(has(s.ledger(to), s.volume()));
  CHECK_FALSE(has(s.ledger(from), s.volume()));
  CHECK_FALSE(has(s.ledger(from), s.domain()));
  CHECK(trimmed(s.env.run_in(0, "ls -A " + shell_quote(s.dir) + " | grep -c virtplan-shared-check; true")) ==
        "0");
  virtplan::lab::check_plan_empty(stack);
}

// destroy deletes the volume once, from host `owner`, which owns it; the
// other host, whose pool may still list the file, leaves it alone.
void check_destroyed_once(const SharedStack& s, const std::string& stack, std::size_t owner,
                          const std::string& file) {
  const auto destroyed = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroyed.output);
  CHECK(destroyed.status == 0);
  CHECK(has(destroyed.output, fmt::format("volume.{}@{}", s.volume(), s.env.hosts[owner].name)));
  CHECK_FALSE(has(destroyed.output, fmt::format("volume.{}@{}", s.volume(), s.env.hosts[1 - owner].name)));
  CHECK(trimmed(s.env.run_in(0, "test -e " + shell_quote(file) + " && echo there || echo gone")) == "gone");
}

// Moves the domain to host `to` in the stack, starts an apply and kills it
// (-9) once the domain is arriving there (defined: the live migration under
// way); whether it arrived in time.
bool killed_once_arriving(const SharedStack& s, const std::string& stack, std::size_t to) {
  virtplan::lab::write_stack_at(stack, s.text(to));
  const auto killed = virtplan::lab::apply_killed_once(
      stack, fmt::format("/tmp/shared-killed-{}-{}.log", s.tag, to), [&] { return s.defined(to); });
  UNSCOPED_INFO("killed apply: " << killed.output);
  return killed.reached;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE(
    "shared pool: a stopped domain migrates offline with nothing copied, the same file, destroyed once") {
  const LabEnv env = virtplan::lab::require_lab(2);
  const auto start = std::chrono::steady_clock::now();
  SharedStack s{env, virtplan::lab::tag_for('S'), ""};
  s.dir = fmt::format("{}/shared-{}", env.dir, s.tag);
  const std::string stack = virtplan::lab::write_stack(s.text(0));
  virtplan::lab::StackCleanup cleanup{env, stack, "rm -rf " + shell_quote(s.dir)};
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string file = s.path(0);
  REQUIRE(file == s.dir + "/" + s.volume());
  const std::string identity = fill(s, file);

  virtplan::lab::write_stack_at(stack, s.text(1));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  CHECK(has(plan.output, fmt::format("migrate to {}  offline, shared pool {}: nothing copied",
                                     env.hosts[1].name, s.pool())));
  CHECK(has(plan.output, fmt::format("with domain.{}@{}, shared pool {}: nothing copied", s.domain(),
                                     env.hosts[0].name, s.pool())));
  CHECK_FALSE(has(plan.output, "copied,"));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  const auto json_plan = nlohmann::json::parse(run_virtplan("plan --json -f " + stack).output);
  CHECK(json_plan.at("changes").at(0).at("shared_pools") == nlohmann::json::array({s.pool()}));

  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  check_moved_shared(s, stack, 0, 1, file, identity);
  check_destroyed_once(s, stack, 1, file);
  WARN("shared pool offline migration test took " << seconds_since(start) << " s");
}

TEST_CASE("shared pool: a pool declared shared that is not fails the migration before anything changes") {
  const LabEnv env = virtplan::lab::require_lab(2);
  const auto start = std::chrono::steady_clock::now();
  // Each host's own directory: /var/lib/virtplan is private to a lab host.
  SharedStack s{env, virtplan::lab::tag_for('T'), ""};
  s.dir = "/var/lib/virtplan/shared-" + s.tag;
  const std::string stack = virtplan::lab::write_stack(s.text(0));
  virtplan::lab::StackCleanup cleanup{env, stack};
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string file = s.path(0);
  const std::string identity = fill(s, file);
  const std::string ledger0 = s.ledger(0);

  virtplan::lab::write_stack_at(stack, s.text(1));
  const auto refused = run_virtplan("apply --auto-approve -f " + stack);
  INFO(refused.output);
  CHECK(refused.status != 0);
  CHECK(
      has(refused.output, fmt::format("pool {} is declared shared, but {} and {} do not see the same storage",
                                      s.pool(), env.hosts[0].name, env.hosts[1].name)));
  // Nothing changed: the domain and its bytes where they were, nothing on
  // host 1 (no domain, no volume, no test file), host 0's ledger as it was.
  CHECK(s.defined(0));
  CHECK_FALSE(s.defined(1));
  CHECK(s.identity(0, file) == identity);
  CHECK(s.path(1).empty());
  CHECK(trimmed(env.run_in(1, "ls -A " + shell_quote(s.dir) + " | wc -l")) == "0");
  CHECK(trimmed(env.run_in(0, "ls -A " + shell_quote(s.dir) + " | grep -c virtplan-shared-check; true")) ==
        "0");
  CHECK(s.ledger(0) == ledger0);
  // Back where it was in the stack: nothing to do on either host.
  virtplan::lab::write_stack_at(stack, s.text(0));
  virtplan::lab::check_plan_empty(stack);
  WARN("shared pool refusal test took " << seconds_since(start) << " s");
}

TEST_CASE(
    "shared pool: the real guest migrates live with nothing copied then back with the apply killed "
    "mid-migration") {
  const LabEnv env = virtplan::lab::require_lab(2);
  SharedStack s{env, virtplan::lab::tag_for('U'), "", true};
  s.dir = fmt::format("{}/shared-{}", env.dir, s.tag);
  const std::string stack = virtplan::lab::write_stack(s.text(0));
  virtplan::lab::StackCleanup cleanup{
      env, stack, "rm -rf " + shell_quote(s.dir) + "; rm -f " + shell_quote(s.serial_log())};
  for (std::size_t i : {0, 1})
    env.run_in(i, "mkdir -p /var/log/libvirt/qemu && rm -f " + shell_quote(s.serial_log()));
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string file = s.path(0);
  const std::string identity = fill(s, file);
  REQUIRE(wait_until(180s, [&] { return !s.alive(0).first.empty(); }));
  const std::string boot_id = s.alive(0).first;
  const auto start = std::chrono::steady_clock::now();

  virtplan::lab::write_stack_at(stack, s.text(1));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(has(plan.output,
            fmt::format("migrate to {}  live, shared pool {}: nothing copied", env.hosts[1].name, s.pool())));
  const double before = s.alive(0).second;
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(s.state(1) == "running");
  // QEMU on the new host has the very file open (the lab's one /var/tmp).
  const std::string pid =
      trimmed(env.run_in(1, "cat /run/libvirt/qemu/" + s.domain() + ".pid 2>/dev/null || true"));
  REQUIRE_FALSE(pid.empty());
  CHECK(trimmed(env.run_in(1, fmt::format("ls -l /proc/{}/fd | grep -c {}; true", pid, shell_quote(file)))) !=
        "0");
  CHECK(wait_until(60s, [&] { return s.alive(1).second > before; }));
  CHECK(s.alive(1).first == boot_id);
  // The guest writes nothing to its disk: its bytes are what fill() wrote.
  check_moved_shared(s, stack, 0, 1, file, identity);

  // Back to host 0, the apply killed once the guest is arriving there.
  env.run_in(0, "rm -f " + shell_quote(s.serial_log()));
  const double later = s.alive(1).second;
  CHECK(killed_once_arriving(s, stack, 0));
  CHECK(s.identity(0, file) == identity);
  const auto rerun = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  CHECK(wait_until(60s, [&] { return s.alive(0).second > later; }));
  CHECK(s.alive(0).first == boot_id);
  check_moved_shared(s, stack, 1, 0, file, identity);
  WARN("two live migrations through a shared pool (one killed, then rerun) took " << seconds_since(start)
                                                                                  << " s after the boot");
}

// An apply killed while the domain moves live through the shared pool
// (the migration held at 1 MiB/s until the kill), then the stack edited to
// drop `shared: true` (say, by someone who suspects it) before the rerun.
// The source's ledger recorded, when the migration began, that it went
// through the shared pool: the rerun finishes it that way, whatever the
// stack says now. It takes the file for the new host's (no copy, the old
// host's listing of it never deleted) instead of refusing the new host's
// sight of it as someone else's volume in the way, or, once the new host
// owned it, deleting it from the old one as a copy's source.
TEST_CASE(
    "shared pool: a migration killed mid-way finishes as it began when the stack drops shared, file kept") {
  const LabEnv env = virtplan::lab::require_lab(2);
  const auto start = std::chrono::steady_clock::now();
  SharedStack s{env, virtplan::lab::tag_for('W'), "", true};
  s.dir = fmt::format("{}/shared-{}", env.dir, s.tag);
  const std::string stack = virtplan::lab::write_stack(s.text(0));
  virtplan::lab::StackCleanup cleanup{
      env, stack, "rm -rf " + shell_quote(s.dir) + "; rm -f " + shell_quote(s.serial_log())};
  for (std::size_t i : {0, 1}) env.run_in(i, "mkdir -p /var/log/libvirt/qemu");
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string file = s.path(0);
  const std::string identity = fill(s, file);
  // No need to wait for the boot: QEMU runs, its memory holds the kernel.
  env.run_in(0, fmt::format("virsh -q migrate-setspeed {} --bandwidth 1", s.domain()));

  REQUIRE(killed_once_arriving(s, stack, 1));
  // The migration, which libvirt carries on, ends at full speed.
  env.run_in(0, fmt::format("virsh -q migrate-setspeed {} --bandwidth 8192 2>/dev/null; true", s.domain()));
  REQUIRE(wait_until(90s, [&] { return s.state(1) == "running" && s.state(0) != "running"; }));
  const std::string marked = s.ledger(0);
  INFO("old host's ledger: " << marked);
  const auto entry = nlohmann::json::parse(marked).at("objects").at("domain." + s.domain()).at("data");
  CHECK(entry.value("migrating_to", "") == env.hosts[1].name);
  REQUIRE(entry.value("migrating_shared", nlohmann::json()) == nlohmann::json::array({s.pool()}));

  s.declared_shared = false;
  virtplan::lab::write_stack_at(stack, s.text(1));
  const auto rerun = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  CHECK(has(rerun.output, "finishing"));
  CHECK(s.state(1) == "running");
  check_moved_shared(s, stack, 0, 1, file, identity);
  WARN("killed shared migration rerun after the stack dropped shared took " << seconds_since(start) << " s");
}

// The same directory seen from both hosts (an NFS mount), its pool NOT
// declared shared: the plan copies, but apply finds first that both hosts
// see one storage and refuses before anything changes, naming the pool: a
// copy would be made onto the file itself and the old host's deletion would
// remove the only copy. Once the new host's pool lists the file (a refresh,
// by anyone) and its ledger holds the failed run's intent for it, the rerun
// would have deleted it as "a half copy": it is refused the same way, and the
// bytes stay.
TEST_CASE("a pool both hosts see alike but not declared shared: migration refused, the file never deleted") {
  const LabEnv env = virtplan::lab::require_lab(2);
  const auto start = std::chrono::steady_clock::now();
  SharedStack s{env, virtplan::lab::tag_for('N'), ""};
  s.declared_shared = false;
  s.dir = fmt::format("{}/shared-{}", env.dir, s.tag);
  // The pools first: the new host's pool then lists the directory as it was
  // (libvirt reads it at start and refresh), so the plan does not see the
  // volume there and it is apply that must find the one storage.
  s.pools_only = true;
  const std::string stack = virtplan::lab::write_stack(s.text(0));
  virtplan::lab::StackCleanup cleanup{env, stack, "rm -rf " + shell_quote(s.dir)};
  virtplan::lab::apply_stack(stack, s.text(0));
  s.pools_only = false;
  virtplan::lab::write_stack_at(stack, s.text(0));
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string file = s.path(0);
  REQUIRE(file == s.dir + "/" + s.volume());
  const std::string identity = fill(s, file);

  virtplan::lab::write_stack_at(stack, s.text(1));
  for (int run = 1; run <= 2; ++run) {
    INFO("run " << run);
    if (run == 2) env.run_in(1, fmt::format("virsh -q pool-refresh {} >/dev/null", s.pool()));
    const auto refused = run_virtplan("apply --auto-approve -f " + stack);
    INFO(refused.output);
    CHECK(refused.status != 0);
    CHECK(has(refused.output, fmt::format("pool {} is one storage seen from {} and {}", s.pool(),
                                          env.hosts[0].name, env.hosts[1].name)));
    CHECK(has(refused.output, "but is not declared shared"));
    CHECK(s.identity(0, file) == identity);
    CHECK(s.defined(0));
    CHECK_FALSE(s.defined(1));
  }
  CHECK(trimmed(env.run_in(0, "ls -A " + shell_quote(s.dir) + " | grep -c virtplan-shared-check; true")) ==
        "0");
  // Declared shared, it moves with nothing copied.
  s.declared_shared = true;
  virtplan::lab::write_stack_at(stack, s.text(1));
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  check_moved_shared(s, stack, 0, 1, file, identity);
  WARN("undeclared shared pool test: " << seconds_since(start) << " s");
}

}  // namespace shared_pool_lab
