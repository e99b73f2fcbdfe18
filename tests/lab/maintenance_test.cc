// Placed domains that leave their host (issue 20), against two lab hosts:
// `maintenance: true` drains a host (its stopped `host: auto` domains move
// offline with their volume, a running one live, a domain pinned to it is refused by name, the
// next plan is empty); a stack edit that puts two members of an
// anti-affinity group on one host moves one without --rebalance, saying
// which rule; and --rebalance moves a domain once the hosts' capacity has
// changed, which a plan without it leaves alone.
//
// Where each domain goes is decided by the stack alone (a host in
// maintenance, a host whose limits leave it no room), never by how much
// memory the hosts have free: other lab tests define domains on them
// meanwhile.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <string>

using virtplan::lab::check_plan_empty;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::lab_host_of;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

// Room for whatever other tests define on the hosts meanwhile: the CPUs
// always, the memory unless the entry sets its own.
std::string roomy(const std::string& extra) {
  const bool own_memory = has(extra, "memory_overcommit:");
  return std::string("    cpu_overcommit: 64\n") + (own_memory ? "" : "    memory_overcommit: 100\n") + extra;
}

// The two lab hosts, `extra0`/`extra1` added to each entry, a pool on both,
// and `rest` (volumes and domains).
std::string two_hosts(const LabEnv& env, const std::string& tag, const std::string& extra0,
                      const std::string& extra1, const std::string& rest) {
  return fmt::format(
      "stack: drain-{0}\nhosts:\n{1}{2}"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n{3}",
      tag, host_block(env, 0) + roomy(extra0), host_block(env, 1) + roomy(extra1), rest);
}

std::string auto_domain(const std::string& name, const std::string& extra = "") {
  return fmt::format(
      "  {}:\n    host: auto\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n    virt_type: qemu\n{}",
      name, extra);
}

// A running one: it leaves a host in maintenance live. (With no OS it
// ignores the ACPI power button: its cleanup forces it off after a second.)
std::string running_auto_domain(const std::string& name) {
  return fmt::format(
      "  {}:\n    host: auto\n    vcpus: 1\n    memory: 64MiB\n    state: running\n    virt_type: qemu\n"
      "    shutdown_timeout: 1s\n",
      name);
}

// The plan line of `address` (the text after it: the addresses are padded
// to one width), or "" when the plan has none.
std::string plan_line(const std::string& plan, const std::string& address) {
  const std::string head = "~> " + address + " ";
  const std::size_t at = plan.find(head);
  if (at == std::string::npos) return "";
  const std::size_t from = plan.find_first_not_of(' ', at + head.size());
  return plan.substr(from, plan.find('\n', from) - from);
}

// A domain defined by hand on lab host `host` (no stack's), undefined again
// at the end of the test.
struct HandMadeDomain {
  const LabEnv& env;
  std::size_t host;
  std::string name;

  HandMadeDomain(const LabEnv& lab, std::size_t on, std::string domain)
      : env(lab), host(on), name(std::move(domain)) {
    env.run_in(host,
               fmt::format("printf '%s' \"<domain type='qemu'><name>{}</name><memory unit='MiB'>64</memory>"
                           "<os><type arch='x86_64'>hvm</type></os></domain>\" | virsh -q define /dev/stdin",
                           name));
  }
  ~HandMadeDomain() {
    try {
      env.run_in(host, "virsh -q undefine " + name + "; true");
    } catch (...) {
    }
  }
  HandMadeDomain(const HandMadeDomain&) = delete;
  HandMadeDomain& operator=(const HandMadeDomain&) = delete;
};

void apply_ok(const std::string& stack, const std::string& flags = "") {
  const auto run = run_virtplan("apply --auto-approve " + flags + "-f " + stack);
  INFO(run.output);
  REQUIRE(run.status == 0);
}

}  // namespace

TEST_CASE(
    "maintenance drains a host: stopped domains move offline with their volume, a running one live, pinned ones are refused") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('D');
  const std::string h0 = env.hosts[0].name;
  const std::string h1 = env.hosts[1].name;
  const std::string maintenance = "    maintenance: true\n";
  const std::string alpha = tag + "-alpha";
  const std::string beta = tag + "-beta";
  const std::string placed = fmt::format(
      "volumes:\n  v-{0}: {{host: auto, pool: p-{0}, format: raw, capacity: 16MiB}}\ndomains:\n{1}{2}", tag,
      auto_domain(alpha, fmt::format("    disks: [{{volume: v-{}, target: vda}}]\n", tag)),
      running_auto_domain(beta));
  // The first host in maintenance: nothing new goes there.
  const std::string stack = write_stack(two_hosts(env, tag, maintenance, "", placed));
  StackCleanup cleanup{env, stack};
  apply_ok(stack);
  CHECK(lab_host_of(env, alpha) == 1);
  CHECK(lab_host_of(env, beta) == 1);

  // The second in maintenance instead, with a domain pinned to it: refused,
  // naming it, and nothing is changed.
  const std::string pinned = fmt::format(
      "  {}-pin:\n    host: {}\n    memory: 64MiB\n    state: stopped\n    virt_type: qemu\n", tag, h1);
  write_stack_at(stack, two_hosts(env, tag, "", maintenance, placed + pinned));
  const auto refused = run_virtplan("apply --auto-approve -f " + stack);
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(
      has(refused.output,
          fmt::format("error: host {} is in maintenance but domain.{}-pin@{} is pinned to it", h1, tag, h1)));
  CHECK(lab_host_of(env, alpha) == 1);

  // Without it: both placed domains leave, the volume with its domain; a
  // domain no stack owns on the drained host stays there, untouched.
  const HandMadeDomain foreign(env, 1, tag + "-foreign");
  write_stack_at(stack, two_hosts(env, tag, "", maintenance, placed));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  const std::string moved = fmt::format("migrate to {}  maintenance on {}; → {}: ", h0, h1, h0);
  CHECK(plan_line(plan.output, fmt::format("domain.{}@{}", alpha, h1)).starts_with(moved));
  CHECK(
      has(plan_line(plan.output, fmt::format("domain.{}@{}", alpha, h1)), "offline, 16 MiB of disk copied"));
  CHECK(plan_line(plan.output, fmt::format("domain.{}@{}", beta, h1)).starts_with(moved));
  CHECK(has(plan_line(plan.output, fmt::format("domain.{}@{}", beta, h1)), "; live, "));
  // The running one's QEMU on host i, by the pid file libvirt keeps there
  // (the lab hosts share one process table).
  auto qemu_pid = [&](std::size_t i) {
    return env.run_in(i, fmt::format("cat /run/libvirt/qemu/{}.pid 2>/dev/null || true", beta));
  };
  const std::string pid_before = qemu_pid(1);
  CHECK(plan_line(plan.output, fmt::format("volume.v-{}@{}", tag, h1)).starts_with("migrate to " + h0));
  apply_ok(stack);
  CHECK(lab_host_of(env, alpha) == 0);
  CHECK(lab_host_of(env, beta) == 0);
  // The running one moved live: running on the first host, its QEMU gone from the second.
  CHECK(virtplan::lab::trimmed(env.run_in(0, "virsh domstate " + beta)) == "running");
  CHECK_FALSE(pid_before.empty());
  CHECK(qemu_pid(1).empty());
  CHECK(has(env.run_in(0, "virsh -q vol-list --pool p-" + tag), "v-" + tag));
  CHECK_FALSE(has(env.run_in(1, "virsh -q vol-list --pool p-" + tag), "v-" + tag));
  CHECK_FALSE(has(plan.output, foreign.name));
  CHECK(virtplan::lab::trimmed(env.run_in(1, "virsh domstate " + foreign.name)) == "shut off");
  CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), foreign.name));
  check_plan_empty(stack);
}

TEST_CASE("a violated constraint moves a placed domain without --rebalance, and the plan says which") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('V');
  const std::string h0 = env.hosts[0].name;
  const std::string h1 = env.hosts[1].name;
  const std::string one = tag + "-one";
  const std::string two = tag + "-two";
  // Both kept to the second host at first.
  const std::string only_h1 = fmt::format("    placement: {{hosts: [{}]}}\n", h1);
  const std::string stack = write_stack(
      two_hosts(env, tag, "", "", "domains:\n" + auto_domain(one, only_h1) + auto_domain(two, only_h1)));
  StackCleanup cleanup{env, stack};
  apply_ok(stack);
  CHECK(lab_host_of(env, one) == 1);
  CHECK(lab_host_of(env, two) == 1);

  // Now an anti-affinity group, on either host: the later by name leaves.
  const std::string apart = "    placement: {anti_affinity: apart}\n";
  write_stack_at(
      stack, two_hosts(env, tag, "", "", "domains:\n" + auto_domain(one, apart) + auto_domain(two, apart)));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  CHECK(plan_line(plan.output, fmt::format("domain.{}@{}", two, h1))
            .starts_with(fmt::format("migrate to {}  anti-affinity group apart: {} is on {} too; → {}: ", h0,
                                     one, h1, h0)));
  CHECK_FALSE(has(plan.output, "~> domain." + one));
  apply_ok(stack);
  CHECK(lab_host_of(env, one) == 1);
  CHECK(lab_host_of(env, two) == 0);
  check_plan_empty(stack);
}

TEST_CASE("rebalance: --rebalance moves a placed domain once capacity changed, without it nothing moves") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('R');
  const std::string h0 = env.hosts[0].name;
  const std::string h1 = env.hosts[1].name;
  const std::string name = tag + "-dom";
  // A host whose memory allowance is a hundredth of its memory has no room.
  const std::string cramped = "    memory_overcommit: 0.01\n";
  const std::string domains = "domains:\n" + auto_domain(name);
  const std::string stack = write_stack(two_hosts(env, tag, cramped, "", domains));
  StackCleanup cleanup{env, stack};
  apply_ok(stack);
  REQUIRE(lab_host_of(env, name) == 1);

  // The other way round: the domain's host has no room now, but it breaks no rule.
  write_stack_at(stack, two_hosts(env, tag, "", cramped, domains));
  check_plan_empty(stack);
  const auto plan = run_virtplan("plan --rebalance -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  CHECK(plan_line(plan.output, fmt::format("domain.{}@{}", name, h1))
            .starts_with(fmt::format("migrate to {}  rebalance; → {}: ", h0, h0)));
  apply_ok(stack, "--rebalance ");
  CHECK(lab_host_of(env, name) == 0);
  const auto again = run_virtplan("plan --rebalance --detailed-exitcode -f " + stack);
  INFO(again.output);
  CHECK(again.status == 0);
}

TEST_CASE("a placed domain whose host cannot be read is not placed again elsewhere: no second copy") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('U');
  const std::string alpha = tag + "-alpha";
  const std::string placed = "domains:\n" + auto_domain(alpha);
  // The first host in maintenance: the domain goes to the second.
  const std::string stack = write_stack(two_hosts(env, tag, "    maintenance: true\n", "", placed));
  StackCleanup cleanup{env, stack};
  apply_ok(stack);
  REQUIRE(lab_host_of(env, alpha) == 1);

  // The same stack with the second host unreachable (nothing listens on port
  // 2) and the first open again: where alpha is is recorded only on the
  // second, so neither plan nor apply may create it on the first.
  std::string text = two_hosts(env, tag, "", "", placed);
  const std::string reachable = fmt::format("ssh://root@{}:22", env.hosts[1].address);
  text.replace(text.find(reachable), reachable.size(), "ssh://root@127.0.0.1:2");
  const std::string unreachable = write_stack(text);
  const std::string refusal =
      fmt::format("domain {}: not placed while {} could not be read", alpha, env.hosts[1].name);
  const auto plan = run_virtplan("plan -f " + unreachable);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK(has(plan.output, refusal));
  const auto apply = run_virtplan("apply --auto-approve -f " + unreachable);
  INFO(apply.output);
  CHECK(apply.status == 1);
  CHECK(has(apply.output, refusal));
  CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), alpha));
  CHECK(lab_host_of(env, alpha) == 1);
}
