// The plan says exactly what apply does (issue 17 item 5), on TCG domains
// without an OS (64 MiB) on lab host 0:
//   - a restart-class change to a stopped domain plans `config` ("takes
//     effect at next start"), the Ansible module applies it without
//     allow_restart and the domain stays stopped; a domain found running at
//     apply time although planned as config keeps the change pending with a
//     warning and is not restarted;
//   - what libvirt fills in by itself (a CPU model on a TCG domain) and the
//     stack does not declare is no removal in the plan's before/after, nor
//     in the module's --diff;
//   - a property: for live, restart and config changes, each planned field's
//     before/after and impact match what apply did, read back from the host
//     (the next plan's observed spec from dumpxml, domstate, the QEMU pid).

#include "cli/ansible_module.h"
#include "tests/lab/actuator_harness.h"
#include "tests/lab/actuator_scratch.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using nlohmann::json;
using virtplan::lab::ActuatorHarness;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

// One domain without an OS on lab host 0 under TCG; `keys` are more of its
// keys, each a line "    KEY: VALUE\n".
std::string domain_stack(const LabEnv& env, const std::string& tag, const std::string& vcpus,
                         const std::string& keys) {
  return fmt::format(
      "stack: pt-{0}\nhosts:\n{1}domains:\n  d-{0}:\n    host: {2}\n    vcpus: {3}\n    memory: 64MiB\n"
      "    virt_type: qemu\n    shutdown_timeout: 2s\n{4}",
      tag, host_block(env, 0), env.hosts[0].name, vcpus, keys);
}

json plan_json(const std::string& stack) {
  const auto run = run_virtplan("plan --json -f " + stack);
  INFO(run.output);
  REQUIRE(run.status == 0);
  return json::parse(run.output.substr(run.output.find('{')));
}

// The one change of `plan` for `address`.
json change_of(const json& plan, const std::string& address) {
  for (const json& change : plan["changes"]) {
    if (change["address"] == address) return change;
  }
  FAIL("no change for " << address << " in " << plan.dump(2));
  return {};
}

// The Ansible module run in process on the stack file, as Ansible would.
json run_module(const std::string& stack, const json& more = json::object()) {
  json args{{"stack", stack}};
  args.update(more);
  const std::string path = fmt::format("/tmp/vp-pt-args-{}.json", getpid());
  std::ofstream(path) << args.dump();
  json result = virtplan::cli::run_ansible_module(path);
  std::filesystem::remove(path);
  return result;
}

// The value at `at` in `spec`, null where it has none (a field added).
json value_at(const json& spec, const json::json_pointer& at) {
  return spec.contains(at) ? spec.at(at) : json();
}

std::string applied(const std::string& stack, const std::string& text) {
  write_stack_at(stack, text);
  const auto run = run_virtplan("apply --auto-approve -f " + stack);
  INFO(run.output);
  CHECK(run.status == 0);
  return run.output;
}

// One test's domain: its stack file applied with `vcpus` and `keys`, and
// destroyed (with the file) when the test ends.
struct DomainCase {
  LabEnv env;
  std::string tag;
  std::string address;
  std::string stack;
  StackCleanup cleanup;
  Probe probe;

  DomainCase(char letter, const std::string& vcpus, const std::string& keys)
      : env(require_lab(1)),
        tag(tag_for(letter)),
        address(fmt::format("domain.d-{}@{}", tag, env.hosts[0].name)),
        stack(write_stack(domain_stack(env, tag, vcpus, keys))),
        cleanup{env, stack},
        probe{env, "d-" + tag} {
    applied(stack, domain_stack(env, tag, vcpus, keys));
  }

  // The stack file rewritten with `vcpus` and `keys`.
  void declare(const std::string& vcpus, const std::string& keys) const {
    write_stack_at(stack, domain_stack(env, tag, vcpus, keys));
  }
};

}  // namespace

TEST_CASE(
    "a restart-class change to a stopped domain plans config, applies without allow_restart, stays off") {
  const DomainCase domain('c', "1", "    state: stopped\n");
  const auto& [env, tag, address, stack, cleanup, probe] = domain;
  REQUIRE(probe.state() == "shut off");

  domain.declare("{current: 1, max: 2}", "    state: stopped\n");
  const auto text = run_virtplan("plan -f " + stack);
  INFO(text.output);
  CHECK(has(text.output, fmt::format("~ {}  update  config (takes effect at next start)", address)));
  CHECK(has(text.output, "(0 live, 1 config, 0 restart)"));
  const json change = change_of(plan_json(stack), address);
  CHECK(change["impact"] == "config");
  REQUIRE(change["fields"].size() == 1);
  CHECK(change["fields"][0]["path"] == "/vcpus/max");
  CHECK(change["fields"][0]["impact"] == "config");

  // No allow_restart: nothing restarts, so nothing is refused.
  const json check = run_module(stack, {{"_ansible_check_mode", true}});
  INFO(check.dump(2));
  CHECK_FALSE(check.contains("failed"));
  CHECK(check["plan"]["changes"][0]["impact"] == "config");
  const json result = run_module(stack);
  INFO(result.dump(2));
  CHECK_FALSE(result.contains("failed"));
  CHECK(result["changed"] == true);
  CHECK(result["warnings"] == json::array());
  CHECK(probe.state() == "shut off");
  CHECK(probe.config("string(/domain/vcpu)") == "2");
  CHECK(run_virtplan("plan --detailed-exitcode -f " + stack).status == 0);
}

TEST_CASE(
    "a domain planned as config but running at apply time keeps the change pending and is not restarted") {
  const DomainCase domain('p', "1", "");
  const auto& [env, tag, address, stack, cleanup, probe] = domain;
  env.run_in(0, fmt::format("virsh -q destroy d-{}", tag));
  REQUIRE(probe.state() == "shut off");

  // The plan is made while the domain is off; it is started before the apply.
  ActuatorHarness harness(domain_stack(env, tag, "{current: 1, max: 2}", ""));
  auto planned = harness.plan();
  REQUIRE(planned.errors.empty());
  REQUIRE(planned.plan.changes().size() == 1);
  REQUIRE(planned.plan.changes()[0].impact == virtplan::providers::Impact::config);
  env.run_in(0, fmt::format("virsh -q start d-{}", tag));
  REQUIRE(probe.state() == "running");
  const std::string pid = probe.pid();

  const auto warnings = harness.apply(planned.plan);
  const auto& list = warnings.at(planned.plan.changes()[0].id.address());
  REQUIRE(list.size() == 1);
  CHECK(has(list[0], "/vcpus/max pending: planned as config (takes effect at next start)"));
  CHECK(has(list[0], "nothing restarted"));
  CHECK(probe.state() == "running");
  CHECK(probe.pid() == pid);
  CHECK(probe.config("string(/domain/vcpu)") == "1");
  // The next plan shows it again, now as what it is: a restart.
  auto again = harness.plan();
  REQUIRE(again.plan.changes().size() == 1);
  CHECK(again.plan.changes()[0].impact == virtplan::providers::Impact::restart);

  // A saved plan made while it was off is stale once it runs.
  env.run_in(0, fmt::format("virsh -q destroy d-{}", tag));
  domain.declare("{current: 1, max: 2}", "");
  const std::string saved = stack + ".plan";
  REQUIRE(run_virtplan(fmt::format("plan --out {} -f {}", saved, stack)).status == 0);
  env.run_in(0, fmt::format("virsh -q start d-{}", tag));
  const auto stale = run_virtplan(fmt::format("apply --auto-approve -f {} {}", stack, saved));
  INFO(stale.output);
  CHECK(stale.status == 1);
  CHECK(has(stale.output, "saved plan is stale"));
  std::filesystem::remove(saved);
}

TEST_CASE("what libvirt fills in and the stack does not declare is no removal in before/after or --diff") {
  const DomainCase domain('f', "1", "    state: stopped\n");
  const auto& [env, tag, address, stack, cleanup, probe] = domain;
  domain.declare("1", "    state: stopped\n    title: changed\n");
  const json change = change_of(plan_json(stack), address);
  INFO(change.dump(2));
  // libvirt gave the TCG domain a CPU model of its own: observed, not compared.
  REQUIRE(change["observed"].contains("cpu"));
  CHECK_FALSE(change["before"].contains("cpu"));
  CHECK_FALSE(change["after"].contains("cpu"));
  REQUIRE(change["fields"].size() == 1);
  CHECK(change["fields"][0]["path"] == "/title");

  const json result = run_module(stack, {{"_ansible_check_mode", true}, {"_ansible_diff", true}});
  INFO(result.dump(2));
  REQUIRE(result["diff"].size() == 1);
  const json& diff = result["diff"][0];
  CHECK_FALSE(diff["before"].contains("cpu"));
  CHECK_FALSE(diff["after"].contains("cpu"));
  // Everything else the two sides hold is the same, but the title.
  json before = diff["before"];
  json after = diff["after"];
  before.erase("title");
  after.erase("title");
  CHECK(before == after);
}

TEST_CASE(
    "property: every planned field's before/after and impact is what apply did, read back from the host") {
  const DomainCase domain('q', "{current: 1, max: 2}", "");
  const auto& [env, tag, address, stack, cleanup, probe] = domain;
  REQUIRE(probe.state() == "running");

  struct Step {
    std::string what;
    std::string vcpus;
    std::string keys;
    std::string impact;  // the change's, as planned
  };
  const std::vector<Step> steps{
      {"live: vCPUs up to max, a title", "{current: 2, max: 2}", "    title: t1\n", "live"},
      {"restart: vCPU max on a running domain", "{current: 2, max: 3}", "    title: t1\n", "restart"},
      {"live: stop it", "{current: 2, max: 3}", "    title: t1\n    state: stopped\n", "live"},
      {"config: vCPU max and a title on a stopped domain", "{current: 2, max: 4}",
       "    title: t2\n    state: stopped\n", "config"},
      {"config: vCPU max while the same apply starts it", "{current: 2, max: 2}", "    title: t2\n",
       "config"},
  };
  for (const Step& step : steps) {
    INFO(step.what);
    domain.declare(step.vcpus, step.keys);
    const json planned = change_of(plan_json(stack), address);
    INFO(planned.dump(2));
    REQUIRE(planned["action"] == "update");
    CHECK(planned["impact"] == step.impact);
    const bool was_running = probe.state() == "running";
    const std::string pid = was_running ? probe.pid() : "";
    const int starts = probe.starts();

    const auto run = run_virtplan("apply --auto-approve -f " + stack);
    INFO(run.output);
    REQUIRE(run.status == 0);
    // (A forced shutdown of a guest without an OS is warned about; nothing is left pending.)
    CHECK_FALSE(has(run.output, "pending"));

    // What the host holds now, read back (dumpxml, domstate), against the plan.
    const json now = change_of(plan_json(stack), address);
    CHECK(now["action"] == "no-op");
    for (const json& field : planned["fields"]) {
      const json::json_pointer at(field["path"].get<std::string>());
      INFO(field.dump());
      CHECK(value_at(planned["observed"], at) == field["before"]);
      CHECK(value_at(now["observed"], at) == field["after"]);
    }
    // What the plan's impact promised about the QEMU process.
    const std::string state = probe.state();
    if (step.impact == "live" && was_running && state == "running") {
      CHECK(probe.pid() == pid);
      CHECK(probe.starts() == starts);
    } else if (step.impact == "restart") {
      CHECK(state == "running");
      CHECK(probe.pid() != pid);
      CHECK(probe.starts() == starts + 1);
    } else if (step.impact == "config") {
      // Nothing restarted: at most the one start the stack asked for.
      CHECK(probe.starts() <= starts + (state == "running" ? 1 : 0));
    }
  }
  CHECK(probe.state() == "running");
  CHECK(probe.config("string(/domain/title)") == "t2");
}
