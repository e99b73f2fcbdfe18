// The stack lock under faults, with the real binary over real SSH (issue 15,
// items 3, 4 and 5; docs/locking.md): a holder killed on the host mid-apply
// stops that apply there and a second apply started meanwhile is not
// disturbed; `virtplan unlock` names the holder and breaks its lock; two
// applies waiting for the locks of a two-host stack do not deadlock.

#include "providers/host/shell_quote.h"
#include "providers/host/ssh_transport.h"
#include "providers/host/stack_lock.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <unistd.h>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::wait_until;
using virtplan::lab::write_stack;
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;
using namespace std::chrono_literals;
namespace providers = virtplan::providers;
using Clock = std::chrono::steady_clock;

namespace {

std::string lock_file(const std::string& stack) { return providers::StackLock::path(stack); }

// The host processes that have the stack's lock file open: its holder.
std::string holders_on(const LabEnv& env, std::size_t i, const std::string& stack) {
  return env.run_in(i, "fuser " + providers::shell_quote(lock_file(stack)) + " 2>/dev/null; true");
}

bool locked_on(const LabEnv& env, std::size_t i, const std::string& stack) {
  const std::string file = providers::shell_quote(lock_file(stack));
  return env.run_in(i, "if [ -e " + file + " ] && ! flock -n " + file + " true; then echo held; fi") ==
         "held\n";
}

int count_of(const std::string& text, const std::string& part) {
  int count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// One dir pool with `volumes` small raw volumes on host 0.
std::string volumes_stack(const LabEnv& env, const std::string& tag, int volumes) {
  std::string text = fmt::format(
      "stack: lk-{0}\nhosts:\n{1}pools:\n  p-{0}: {{host: {2}, type: dir, "
      "path: /var/lib/virtplan/p-{0}}}\nvolumes:\n",
      tag, host_block(env, 0), env.hosts[0].name);
  for (int v = 0; v < volumes; ++v) {
    text += fmt::format("  v{1:03}-{0}: {{host: {2}, pool: p-{0}, format: raw, capacity: 1MiB}}\n", tag, v,
                        env.hosts[0].name);
  }
  return text;
}

int volumes_in(const LabEnv& env, const std::string& pool) {
  const std::string listed = env.run_in(0, "virsh -q vol-list " + pool + " 2>/dev/null | grep -c . ; true");
  return listed.empty() ? 0 : std::stoi(listed);
}

void destroy_stack(const std::string& stack) {
  const auto run = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(run.output);
  CHECK(run.status == 0);
}

}  // namespace

// Item 3 and the fault-injection case "lock lost mid-apply".
TEST_CASE(
    "lock fault: a holder killed on the host mid-apply stops that apply there, "
    "and a second apply started meanwhile converges undisturbed") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('l');
  const int total = 300;
  const std::string stack = write_stack(volumes_stack(env, tag, total));
  const std::string pool = "p-" + tag;

  // One step at a time, so the kill lands mid-apply however slow this
  // machine's polling is: 300 raw volumes side by side can all be made
  // between two polls of a loaded machine (seen: 300 of 300 at the kill).
  auto first =
      start_virtplan("apply --auto-approve --parallelism 1 -f " + stack, "/tmp/lk-first-" + tag + ".log");
  // Mid-apply: the first volumes are there.
  REQUIRE(wait_until(120s, [&] { return volumes_in(env, pool) > 0; }));
  const std::string killed = holders_on(env, 0, "lk-" + tag);
  env.run_in(0, "fuser -k -KILL " + providers::shell_quote(lock_file("lk-" + tag)) + " 2>/dev/null; true");
  const int at_kill = volumes_in(env, pool);
  auto second =
      start_virtplan("apply --auto-approve --lock-wait 120 -f " + stack, "/tmp/lk-second-" + tag + ".log");

  const int first_status = first.wait();
  const std::string first_output = first.output();
  const int second_status = second.wait();
  const std::string second_output = second.output();
  INFO("holder killed: " << killed << "volumes at the kill: " << at_kill);
  INFO("first apply:\n" << first_output);
  INFO("second apply:\n" << second_output);
  REQUIRE_FALSE(killed.empty());
  REQUIRE(at_kill < total);
  // The first apply stopped on the host, said why, and failed.
  CHECK(first_status != 0);
  CHECK(has(first_output, "the stack lock was lost (its holder on the host ended"));
  CHECK(count_of(first_output, ": created (") < total);
  // The second one was not disturbed: every create it planned went through
  // (none found its volume "already exists"), and the host ends up exactly
  // as the stack says, with the ledger knowing every volume.
  CHECK(second_status == 0);
  CHECK_FALSE(has(second_output, "already exists"));
  CHECK(volumes_in(env, pool) == total);
  const auto after = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO("plan after both:\n" << after.output);
  CHECK(after.status == 0);
  destroy_stack(stack);
  std::filesystem::remove(stack);
}

// Item 4: `virtplan unlock`, like `terraform force-unlock`.
TEST_CASE(
    "unlock: names the holder, its pid and the lock's age, refuses without a terminal, "
    "and with --auto-approve frees the lock") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('u');
  const std::string name = "lk-" + tag;
  const std::string stack = write_stack(fmt::format("stack: {}\nhosts:\n{}", name, host_block(env, 0)));
  const std::string address = fmt::format("pool.p-{}@{}", tag, env.hosts[0].name);

  const auto free = run_virtplan("unlock " + env.hosts[0].name + " -f " + stack);
  INFO(free.output);
  CHECK(free.status == 0);
  CHECK(
      has(free.output, fmt::format("{}: stack '{}' is not locked; nothing to do", env.hosts[0].name, name)));

  auto transport = providers::SshTransport::create(env.host_config(0));
  REQUIRE(transport);
  auto held = providers::StackLock::acquire(**transport, name, providers::Become::none, 0s,
                                            providers::StackLock::k_default_dir, "lab_tests unlock case");
  REQUIRE(held);
  // The holder records itself just after it said "locked".
  REQUIRE(wait_until(
      5s, [&] { return has(env.run_in(0, "cat " + providers::shell_quote(lock_file(name))), "host pid"); }));
  const std::string host_pid = trimmed(holders_on(env, 0, name));
  REQUIRE_FALSE(host_pid.empty());
  REQUIRE(host_pid.find(' ') == std::string::npos);  // one process holds it

  // No terminal, no --auto-approve: it shows who holds it and refuses.
  const auto refused = run_virtplan("unlock " + address + " -f " + stack);
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(has(refused.output,
            fmt::format("stack '{}' is locked by `lab_tests unlock case` (pid {} on ", name, getpid())));
  CHECK(has(refused.output, ", held for "));
  CHECK(has(refused.output, "; host process " + host_pid + "\n"));
  CHECK(has(refused.output, "--auto-approve"));
  CHECK(held->held());
  CHECK(locked_on(env, 0, name));

  // Another stack's lock on the same host: breaking this one leaves it held.
  const std::string other_name = name + "-other";
  auto other = providers::StackLock::acquire(**transport, other_name, providers::Become::none, 0s);
  REQUIRE(other);
  REQUIRE(locked_on(env, 0, other_name));

  const auto broken = run_virtplan("unlock --auto-approve " + env.hosts[0].name + " -f " + stack);
  INFO(broken.output);
  CHECK(broken.status == 0);
  CHECK(has(broken.output, fmt::format("the lock of stack '{}' is broken", name)));
  CHECK_FALSE(locked_on(env, 0, name));
  CHECK(locked_on(env, 0, other_name));
  CHECK(other->held());
  // Its holder learns it lost the lock.
  CHECK(wait_until(10s, [&] { return !held->held(); }));

  const auto unknown = run_virtplan("unlock nowhere -f " + stack);
  CHECK(unknown.status == 1);
  CHECK(has(unknown.output, fmt::format("nowhere: not a host of stack '{}'", name)));
  std::filesystem::remove(stack);
}

// Item 5: with --lock-wait, an apply waiting for one host's lock holds no
// other host's lock meanwhile, so two applies that reach the hosts in
// opposite order do not wait on each other until the timeout.
TEST_CASE("lock wait: two applies of a two-host stack that each hold one host first do not deadlock") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('w');
  const std::string name = "lk-" + tag;
  // Hosts listed second-first: the order in the file does not matter.
  const std::string stack = write_stack(fmt::format(
      "stack: {0}\nhosts:\n{1}{2}pools:\n  p-{3}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{3}}}\n",
      name, host_block(env, 1), host_block(env, 0), tag));
  std::size_t first_host = env.hosts[0].name < env.hosts[1].name ? 0 : 1;
  std::size_t second_host = 1 - first_host;

  // "The other apply": it holds the first host's lock and will want the second's.
  auto to_first = providers::SshTransport::create(env.host_config(first_host));
  auto to_second = providers::SshTransport::create(env.host_config(second_host));
  REQUIRE(to_first);
  REQUIRE(to_second);
  std::optional<providers::StackLock> other_first(
      *providers::StackLock::acquire(**to_first, name, providers::Become::none, 0s));
  REQUIRE(other_first->held());

  auto apply =
      start_virtplan("apply --auto-approve --lock-wait 60 -f " + stack, "/tmp/lk-wait-" + tag + ".log");
  // The apply is waiting for the first host's lock...
  REQUIRE(wait_until(30s, [&] { return has(env.run_in(first_host, "ps -eo args"), "flock -E 75 -w"); }));
  // ... and does not take the second's meanwhile (the old, parallel order
  // took it at once): watched for 5 s, then the other apply takes it.
  CHECK_FALSE(wait_until(5s, [&] { return locked_on(env, second_host, name); }));
  auto other_second = providers::StackLock::acquire(**to_second, name, providers::Become::none, 0s);
  INFO((other_second ? std::string() : other_second.error().message()));
  CHECK(other_second.has_value());
  // The other apply finishes and lets both go; this one then gets both.
  other_first.reset();
  other_second = std::unexpected(providers::Error("released"));
  const int status = apply.wait();
  INFO(apply.output());
  CHECK(status == 0);
  CHECK(has(apply.output(), "Apply: 2 done, 0 failed, 0 skipped."));
  destroy_stack(stack);
  std::filesystem::remove(stack);
}
