// `host: auto` against two lab hosts whose memory in use differs (a foreign
// domain, defined by hand, takes 8 GiB of the first): spread goes to the
// freer host, anti-affinity splits a group across both, a `host: auto`
// volume follows its domain, the next plan is empty even once the hosts'
// free memory has turned around (sticky), and a domain that fits nowhere
// fails naming each host and what it lacks.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::ForeignDomain;
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

std::string placement_domain(const std::string& name, const std::string& extra) {
  return fmt::format(
      "  {}:\n    host: auto\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n"
      "    virt_type: qemu\n{}",
      name, extra);
}

}  // namespace

TEST_CASE("host: auto places by free memory and anti-affinity, volumes follow, placement is sticky") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('P');
  const std::string h0 = env.hosts[0].name;
  const std::string h1 = env.hosts[1].name;
  ForeignDomain big(env, 0, "f-" + tag, 8 * 1024);
  // Plenty of vCPUs: other lab tests define domains on these hosts meanwhile.
  const std::string limits = "    cpu_overcommit: 64\n";
  const std::string stack = write_stack(fmt::format(
      "stack: place-{0}\nhosts:\n{1}{3}{2}{3}"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{host: auto, pool: p-{0}, capacity: 16MiB}}\n"
      "domains:\n{4}{5}{6}",
      tag, host_block(env, 0), host_block(env, 1), limits,
      placement_domain(tag + "-g1", "    placement: {anti_affinity: grp}\n"),
      placement_domain(tag + "-g2", "    placement: {anti_affinity: grp, strategy: spread}\n"),
      placement_domain(tag + "-solo", fmt::format("    disks: [{{volume: v-{}, target: vda}}]\n", tag))));
  StackCleanup cleanup{env, stack};

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  // g1 first (by name): the host without the 8 GiB domain is the freer one.
  CHECK(has(plan.output, fmt::format("+ domain.{}-g1@{}", tag, h1)));
  CHECK(has(plan.output, fmt::format("→ {}: ", h1)));
  CHECK(has(plan.output, "GiB free, spread"));
  // g2 may not share g1's host, however much freer it is.
  CHECK(has(plan.output, fmt::format("+ domain.{}-g2@{}", tag, h0)));
  CHECK(has(plan.output, fmt::format("+ domain.{}-solo@{}", tag, h1)));
  CHECK(has(plan.output, fmt::format("+ volume.v-{}@{}", tag, h1)));

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(lab_host_of(env, tag + "-g1") == 1);
  CHECK(lab_host_of(env, tag + "-g2") == 0);
  CHECK(lab_host_of(env, tag + "-solo") == 1);
  CHECK(has(env.run_in(1, "virsh -q vol-list --pool p-" + tag), "v-" + tag));

  // The second host now takes far more than the first: a fresh placement
  // would choose the first, a sticky one keeps every domain where it is.
  ForeignDomain bigger(env, 1, "f2-" + tag, 16 * 1024);
  const auto again = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(again.output);
  CHECK(again.status == 0);
  CHECK(has(again.output, "No changes"));
}

TEST_CASE("host: auto fails naming each host and what it lacks when nothing fits") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('Q');
  const std::string stack = write_stack(fmt::format(
      "stack: place-{0}\nhosts:\n{1}{2}domains:\n  {0}-huge:\n    host: auto\n    memory: 4096GiB\n"
      "    virt_type: qemu\n    state: stopped\n",
      tag, host_block(env, 0), host_block(env, 1)));
  StackCleanup cleanup{env, stack};
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK(has(plan.output, fmt::format("error: domain {}-huge: no host fits ({}: ", tag, env.hosts[0].name)));
  CHECK(has(plan.output, fmt::format("; {}: ", env.hosts[1].name)));
  CHECK(has(plan.output, "GiB memory free, needs 4096.0 GiB"));
  CHECK(run_virtplan("apply --auto-approve -f " + stack).status == 1);
}

TEST_CASE("host: auto weighs the volumes that go with a domain against each host's pool free space") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('S');
  // Other tests' domains come and go on these hosts while this one runs: with
  // room for hundreds of vCPUs and all the memory they could want, each
  // host's pool is what does not fit, whatever they define.
  const std::string roomy = "    cpu_overcommit: 100\n    memory_overcommit: 100\n";
  const std::string pools = fmt::format(
      "stack: space-{0}\nhosts:\n{1}{2}pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n",
      tag, host_block(env, 0) + roomy, host_block(env, 1) + roomy);
  const std::string stack = write_stack(pools);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, pools);  // the pools run: their free space is known
  write_stack_at(stack,
                 pools + fmt::format("volumes:\n  v-{0}: {{host: auto, pool: p-{0}, capacity: 100TiB}}\n"
                                     "domains:\n{1}",
                                     tag,
                                     placement_domain(tag + "-big", fmt::format("    disks: [{{volume: v-{}, "
                                                                                "target: vda}}]\n",
                                                                                tag))));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK(has(plan.output, fmt::format("error: domain {}-big: no host fits ({}: pool p-{} has ", tag,
                                     env.hosts[0].name, tag)));
  CHECK(has(plan.output, fmt::format("{}: pool p-{} has ", env.hosts[1].name, tag)));
  CHECK(has(plan.output, "GiB free, needs 102400.0 GiB"));
}
