// `virtplan status`, `metrics` and `show` (live state) against a real lab
// host: hand-made objects imported into a stack, the domain booting the lab
// guest (which takes a DHCP lease), plus a declared object that is missing and
// a host that cannot be reached.

#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>

using virtplan::lab::HandMade;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

// The stack dir owning every hand-made object (imported), with a missing pool declared too.
std::filesystem::path imported_stack(const LabEnv& env, const HandMade& made) {
  const auto dir = HandMade::stack_dir(env, "live-" + made.tag);
  for (const char* kind : {"pool", "volume", "network", "domain"}) {
    const auto imported = virtplan::lab::virtplan_stdout(
        "import " + shell_quote(made.address(kind, env)) + " -f " + shell_quote(dir.string()), dir / "err");
    REQUIRE(imported.status == 0);
    std::ofstream(dir / (std::string(kind) + ".yaml")) << imported.output;
  }
  std::ofstream(dir / "missing.yaml")
      << fmt::format("pools:\n  gone-{0}: {{host: {1}, type: dir, path: /var/lib/virtplan/gone-{0}}}\n",
                     made.tag, env.hosts[0].name);
  return dir;
}

nlohmann::json object_at(const nlohmann::json& objects, const std::string& address) {
  for (const auto& object : objects) {
    if (object["address"] == address) return object;
  }
  FAIL("no " << address << " in " << objects.dump(2));
  return {};
}

}  // namespace

TEST_CASE("status, metrics and show report the live state of what the stack owns") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("s{}", getpid() % 100000));
  made.remove(env);
  made.create(env);
  const auto dir = imported_stack(env, made);
  const std::string stack = "live-" + made.tag;
  const std::string f = " -f " + shell_quote(dir.string());
  env.run_in(0, "virsh -q start --domain " + shell_quote(made.domain));

  // status: the guest's lease shows up within its boot time.
  nlohmann::json status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  do {
    const auto run = run_virtplan("status --json" + f);
    REQUIRE(run.status == 0);
    status = nlohmann::json::parse(run.output);
    if (!object_at(status["objects"], made.address("domain", env))["addresses"].empty()) break;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  } while (std::chrono::steady_clock::now() < deadline);
  const auto domain = object_at(status["objects"], made.address("domain", env));
  CHECK(domain["state"] == "running");
  CHECK(domain["owned"] == true);
  REQUIRE(domain["addresses"].size() == 1);
  CHECK(domain["addresses"][0].get<std::string>().starts_with(fmt::format("10.{}.0.", made.subnet)));
  CHECK(object_at(status["objects"], made.address("network", env))["state"] == "active");
  CHECK(object_at(status["objects"], made.address("pool", env))["state"] == "active");
  CHECK(object_at(status["objects"], made.address("volume", env))["state"] == "present");
  CHECK(object_at(status["objects"], fmt::format("pool.gone-{}@{}", made.tag, env.hosts[0].name))["state"] ==
        "missing");

  const auto table = run_virtplan("status" + f);
  CHECK(table.status == 0);
  CHECK(table.output.find("ADDRESS") == 0);
  CHECK(table.output.find(domain["addresses"][0].get<std::string>()) != std::string::npos);

  // metrics: the running domain's figures, labelled.
  const auto prometheus = run_virtplan("metrics" + f);
  INFO(prometheus.output);
  CHECK(prometheus.status == 0);
  const std::string labels =
      fmt::format("domain=\"{}\",host=\"{}\",stack=\"{}\"", made.domain, env.hosts[0].name, stack);
  CHECK(prometheus.output.find("virtplan_domain_state{" + labels + "} 1\n") != std::string::npos);
  CHECK(prometheus.output.find("virtplan_domain_balloon_maximum_bytes{" + labels + "} 134217728\n") !=
        std::string::npos);
  CHECK(prometheus.output.find("virtplan_domain_net_rx_bytes{" + labels + ",interface=") !=
        std::string::npos);
  const auto influx = run_virtplan("metrics --format influx" + f);
  CHECK(influx.output.find(fmt::format("virtplan_domain,domain={},host={},stack={} state=1i", made.domain,
                                       env.hosts[0].name, stack)) != std::string::npos);
  const auto json = run_virtplan("metrics --format json" + f);
  REQUIRE(json.status == 0);
  CHECK(nlohmann::json::parse(json.output)["domains"][0]["vcpus"] == 1);

  // show: every owned object with its observed spec.
  const auto shown = run_virtplan("show --json" + f);
  REQUIRE(shown.status == 0);
  const auto live = nlohmann::json::parse(shown.output);
  CHECK(live["objects"].size() == 4);
  CHECK(object_at(live["objects"], made.address("volume", env))["spec"]["capacity"] == 16 << 20);
  const auto text = run_virtplan("show" + f);
  CHECK(text.output.find(made.address("domain", env) + "\n    ") != std::string::npos);

  // A host that cannot be reached: listed, exit 1, the reachable one still shown.
  // (base.yaml ends with its `hosts:` map: one more host goes at its end.)
  std::ofstream(dir / "base.yaml", std::ios::app) << fmt::format(
      "  dead:\n    address: ssh://root@10.231.{}.77:22\n    identity: {}\n    known_hosts: {}\n",
      env.hosts[0].index, env.client_key, env.known_hosts);
  const auto partial = run_virtplan("status" + f);
  CHECK(partial.status == 1);
  CHECK(partial.output.find("dead: could not be reached: ") != std::string::npos);
  CHECK(partial.output.find(made.address("domain", env)) != std::string::npos);
  CHECK(run_virtplan("metrics" + f).status == 1);

  made.remove(env);
  env.run_in(0, "rm -f /var/lib/virtplan/ledger/" + stack + ".json");
  std::filesystem::remove_all(dir);
}
