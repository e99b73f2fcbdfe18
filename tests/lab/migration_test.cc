// Offline migration between two lab hosts that cannot reach each other
// (issue 20): a stopped domain whose `host:` changes moves with its volume,
// its bytes copied through virtplan's own SSH sessions, as one `migrate`
// (no destroy, no DATA LOSS line); the volume's content (random bytes and a
// marker) reads back the same on the new host, the domain keeps its UUID,
// nothing is left on the old host and the next plan is empty. And a
// `kill -9` of the apply mid-copy: the domain is still where it was, and the
// next apply finishes the move with nothing lost. And the domain started on
// its old host mid-copy: not defined on the new one (it would run twice).

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/nft_table.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

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
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;
using namespace std::chrono_literals;

namespace {

// A pool on both hosts, a raw volume and a stopped domain using it, both on
// lab host `on`.
std::string migration_stack(const LabEnv& env, const std::string& tag, std::size_t on,
                            const std::string& size) {
  const std::string host = env.hosts[on].name;
  return fmt::format(
      "stack: mig-{0}\nhosts:\n{1}{2}"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  root-{0}: {{host: {3}, pool: p-{0}, format: raw, capacity: {4}}}\n"
      "domains:\n  d-{0}:\n    host: {3}\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n"
      "    virt_type: qemu\n    disks: [{{volume: root-{0}, target: vda}}]\n",
      tag, host_block(env, 0), host_block(env, 1), host, size);
}

std::string volume_path(const LabEnv& env, std::size_t i, const std::string& tag) {
  return trimmed(env.run_in(i, fmt::format("virsh -q vol-path --pool p-{0} root-{0}", tag)));
}

// Random bytes in the first `mib` MiB of the volume, a marker at its start;
// returns the whole file's sha256.
std::string fill_volume(const LabEnv& env, const std::string& tag, int mib) {
  const std::string path = virtplan::providers::shell_quote(volume_path(env, 0, tag));
  env.run_in(0, fmt::format("dd if=/dev/urandom of={0} bs=1M count={1} conv=notrunc status=none && "
                            "printf 'virtplan-migrate-{2}' | dd of={0} conv=notrunc status=none",
                            path, mib, tag));
  return env.run_in(0, "sha256sum < " + path);
}

std::string sha256_on(const LabEnv& env, std::size_t i, const std::string& tag) {
  return env.run_in(i, "sha256sum < " + virtplan::providers::shell_quote(volume_path(env, i, tag)));
}

bool defined_on(const LabEnv& env, std::size_t i, const std::string& tag) {
  return has(env.run_in(i, "virsh -q list --all --name"), "d-" + tag);
}

bool volume_on(const LabEnv& env, std::size_t i, const std::string& tag) {
  return has(env.run_in(i, fmt::format("virsh -q vol-list --pool p-{} 2>/dev/null; true", tag)),
             "root-" + tag);
}

// Applies the stack (as migration_stack(..., 0, size) wrote it) and fills its
// volume's first `mib` MiB, then rewrites the stack to declare both on host
// 1. Returns the volume's sha256.
std::string made_then_moved(const LabEnv& env, const std::string& tag, const std::string& stack,
                            const std::string& size, int mib) {
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  const std::string sha = fill_volume(env, tag, mib);
  write_stack_at(stack, migration_stack(env, tag, 1, size));
  return sha;
}

// After a migration from host 0 to host 1: the domain and its volume are on
// host 1 only, the bytes are the same, and nothing more is planned.
void check_moved(const LabEnv& env, const std::string& tag, const std::string& stack,
                 const std::string& sha) {
  CHECK(defined_on(env, 1, tag));
  CHECK_FALSE(defined_on(env, 0, tag));
  CHECK(volume_on(env, 1, tag));
  CHECK_FALSE(volume_on(env, 0, tag));
  CHECK(sha256_on(env, 1, tag) == sha);
  CHECK_FALSE(
      has(env.run_in(0, fmt::format("cat /var/lib/virtplan/ledger/mig-{}.json; true", tag)), "d-" + tag));
  virtplan::lab::check_plan_empty(stack);
}

}  // namespace

TEST_CASE("a stopped domain whose host changes migrates offline with its volume, bytes and UUID kept") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('M');
  const std::string stack = write_stack(migration_stack(env, tag, 0, "64MiB"));
  StackCleanup cleanup{env, stack};
  const std::string sha = made_then_moved(env, tag, stack, "64MiB", 8);
  const std::string uuid = env.run_in(0, fmt::format("virsh -q domuuid d-{}", tag));

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  const std::string from = env.hosts[0].name;
  const std::string to = env.hosts[1].name;
  CHECK(has(plan.output, fmt::format("~> domain.d-{}@{}", tag, from)));
  CHECK(has(plan.output, fmt::format("migrate to {}  offline, 64 MiB of disk copied", to)));
  CHECK(has(plan.output, fmt::format("~> volume.root-{}@{}", tag, from)));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  CHECK_FALSE(has(plan.output, "+ domain"));
  CHECK(has(plan.output, "2 to migrate"));
  const auto json_plan = nlohmann::json::parse(run_virtplan("plan --json -f " + stack).output);
  const auto& first_change = json_plan.at("changes").at(0);
  CHECK(first_change.at("action") == "migrate");
  CHECK(first_change.at("destination") == to);

  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  check_moved(env, tag, stack, sha);
  CHECK(env.run_in(1, fmt::format("virsh -q domuuid d-{}", tag)) == uuid);
}

TEST_CASE("migration fault: an apply killed mid-copy leaves the domain where it was and the rerun moves it") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('K');
  const std::string stack = write_stack(migration_stack(env, tag, 0, "768MiB"));
  StackCleanup cleanup{env, stack};
  const std::string sha = made_then_moved(env, tag, stack, "768MiB", 768);
  // Killed once the copy has begun: the volume is on the new host.
  const auto first = virtplan::lab::apply_killed_once(stack, "/tmp/mig-first-" + tag + ".log",
                                                      [&] { return volume_on(env, 1, tag); });
  INFO("first apply: " << first.output);
  REQUIRE(first.reached);
  CHECK(defined_on(env, 0, tag));
  CHECK_FALSE(defined_on(env, 1, tag));
  CHECK(sha256_on(env, 0, tag) == sha);

  // The lock the killed apply held goes with its session.
  const auto rerun = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  CHECK(has(rerun.output, "migrat"));
  check_moved(env, tag, stack, sha);
}

TEST_CASE(
    "migration refused: a domain of the same name no stack owns on the new host is left alone, ours stays") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('N');
  const std::string stack = write_stack(migration_stack(env, tag, 0, "16MiB"));
  StackCleanup cleanup{env, stack};
  const std::string sha = made_then_moved(env, tag, stack, "16MiB", 1);
  // Someone defines a domain d-TAG by hand on host 1, the new host.
  const std::string name = "d-" + tag;
  env.run_in(1, fmt::format("printf '%s' \"<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory>"
                            "<os><type arch='x86_64'>hvm</type></os></domain>\" | virsh -q define /dev/stdin",
                            name));
  const std::string theirs = env.run_in(1, "virsh -q domuuid " + name);

  const auto applied = run_virtplan("apply --auto-approve -f " + stack);
  INFO(applied.output);
  CHECK(applied.status != 0);
  CHECK(has(applied.output, name));
  // Theirs untouched on host 1 (same UUID, same memory); ours where it was,
  // with its volume and bytes, and nothing copied to host 1.
  CHECK(env.run_in(1, "virsh -q domuuid " + name) == theirs);
  CHECK(trimmed(env.run_in(1, "virsh dominfo " + name + " | awk '/^Max memory/ {print $3}'")) == "32768");
  CHECK(defined_on(env, 0, tag));
  CHECK(volume_on(env, 0, tag));
  CHECK(sha256_on(env, 0, tag) == sha);
  CHECK_FALSE(volume_on(env, 1, tag));
  env.run_in(1, "virsh -q undefine " + name + "; true");
  // Back on host 0 in the stack, StackCleanup destroys ours alone.
  write_stack_at(stack, migration_stack(env, tag, 0, "16MiB"));
}

// The domain started on its old host (by hand, say) while apply copies its
// disk for an offline move (the copy held at 4 MB/s meanwhile): the copy
// may be torn, and defining and starting it on the new host would run it
// twice. The move stops before the define, saying why; the domain runs on
// where it was. Stopped again, it moves.
TEST_CASE(
    "migration refused: a stopped domain started while its disk is copied is not defined on the new host") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('T');
  const std::string stack = write_stack(migration_stack(env, tag, 0, "128MiB"));
  StackCleanup cleanup{env, stack};
  const std::string sha = made_then_moved(env, tag, stack, "128MiB", 128);
  std::optional<virtplan::test::Background> moving;
  {
    NftTable slow{env, 1, "inet", "type filter hook input priority 0;",
                  "tcp dport 22 limit rate over 4 mbytes/second drop"};
    moving = start_virtplan("apply --auto-approve -f " + stack, "/tmp/mig-started-" + tag + ".log");
    // The copy has begun once the volume is on the new host.
    REQUIRE(wait_until(120s, [&] { return volume_on(env, 1, tag); }));
    env.run_in(0, fmt::format("virsh -q start d-{}", tag));
  }
  const int status = moving->wait();
  INFO("the apply: " << moving->output());
  CHECK(status != 0);
  CHECK(
      has(moving->output(), fmt::format("copied, not defined: the domain is running on {} now, stopped when "
                                        "the plan was made (the next plan moves it live)",
                                        env.hosts[0].name)));
  CHECK(trimmed(env.run_in(0, fmt::format("virsh -q domstate d-{}", tag))) == "running");
  CHECK_FALSE(defined_on(env, 1, tag));
  CHECK(sha256_on(env, 0, tag) == sha);

  env.run_in(0, fmt::format("virsh -q destroy d-{}", tag));
  const auto rerun = run_virtplan("apply --auto-approve -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  check_moved(env, tag, stack, sha);
}
