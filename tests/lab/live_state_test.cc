// `virtplan status`, `metrics` and `show` (live state) against a real lab
// host: hand-made objects imported into a stack, the domain booting the lab
// guest (which takes a DHCP lease), plus a declared object that is missing and
// a host that cannot be reached.

#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

using virtplan::lab::HandMade;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;

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

// `tests/metrics/promtool check metrics` (Prometheus' linter) on `text`: its complaints, empty when none.
std::string promtool_complaints(const std::filesystem::path& dir, const std::string& text) {
  std::ofstream(dir / "metrics.prom") << text;
  const auto run = virtplan::lab::detail::run_child(
      {"sh", "-c",
       shell_quote(VIRTPLAN_SOURCE_DIR "/tests/metrics/promtool") + " check metrics < " +
           shell_quote((dir / "metrics.prom").string()) + " 2>&1"});
  return run.status == 0 ? "" : fmt::format("exit {}: {}", run.status, run.out);
}

nlohmann::json object_at(const nlohmann::json& objects, const std::string& address) {
  for (const auto& object : objects) {
    if (object["address"] == address) return object;
  }
  FAIL("no " << address << " in " << objects.dump(2));
  return {};
}

// The hand-made objects (made afresh, the domain started) imported into a
// stack dir of their own: what both tests read the live state of.
struct LiveStack {
  HandMade made;
  std::filesystem::path dir;
  std::string name;  // the stack's
  std::string f;     // " -f DIR"

  LiveStack(const LabEnv& env, const std::string& prefix)
      : made(fmt::format("{}{}", prefix, getpid() % 100000)) {
    made.remove(env);
    made.create(env);
    dir = imported_stack(env, made);
    name = "live-" + made.tag;
    f = " -f " + shell_quote(dir.string());
    env.run_in(0, "virsh -q start --domain " + shell_quote(made.domain));
  }
  void remove(const LabEnv& env) const {
    made.remove(env);
    env.run_in(0, "rm -f /var/lib/virtplan/ledger/" + name + ".json");
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("status, metrics and show report the live state of what the stack owns") {
  const LabEnv env = require_lab(1);
  const LiveStack owned(env, "s");
  const HandMade& made = owned.made;
  const auto& dir = owned.dir;
  const std::string& stack = owned.name;
  const std::string& f = owned.f;

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
  CHECK(prometheus.output.find("virtplan_domain_net_rx_bytes_total{" + labels + ",interface=") !=
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
  // Nothing answers at its address: each command waits its connect_timeout,
  // 2 s rather than the default 10 s.
  std::ofstream(dir / "base.yaml", std::ios::app) << fmt::format(
      "  dead:\n    address: ssh://root@10.231.{}.77:22\n    identity: {}\n    known_hosts: {}\n"
      "    connect_timeout: 2s\n",
      env.hosts[0].index, env.client_key, env.known_hosts);
  const auto partial = run_virtplan("status" + f);
  CHECK(partial.status == 1);
  CHECK(partial.output.find("dead: could not be reached: ") != std::string::npos);
  CHECK(partial.output.find(made.address("domain", env)) != std::string::npos);
  CHECK(run_virtplan("metrics" + f).status == 1);

  owned.remove(env);
}

TEST_CASE("metrics pass promtool and a strict line-protocol parser, and --listen observes on every scrape") {
  const LabEnv env = require_lab(1);
  const LiveStack owned(env, "m");
  const HandMade& made = owned.made;
  const auto& dir = owned.dir;
  const std::string& stack = owned.name;
  const std::string& f = owned.f;
  const std::string labels =
      fmt::format("domain=\"{}\",host=\"{}\",stack=\"{}\"", made.domain, env.hosts[0].name, stack);

  // Prometheus' own linter on a running domain's figures (every metric, NIC and disk ones too).
  const auto prometheus = run_virtplan("metrics" + f);
  INFO(prometheus.output);
  REQUIRE(prometheus.status == 0);
  CHECK(prometheus.output.find("virtplan_domain_block_read_bytes_total{" + labels + ",device=") !=
        std::string::npos);
  CHECK(prometheus.output.find(fmt::format("virtplan_host_up{{host=\"{}\",stack=\"{}\"}} 1\n",
                                           env.hosts[0].name, stack)) != std::string::npos);
  CHECK(promtool_complaints(dir, prometheus.output) == "");

  // The line protocol through a strict parser: measurements, sorted tags, typed fields.
  const auto influx = run_virtplan("metrics --format influx" + f);
  CHECK(influx.output.find("virtplan_domain_net,domain=" + made.domain + ",") != std::string::npos);
  CHECK(influx.output.find("virtplan_domain_block,device=") != std::string::npos);
  std::ofstream(dir / "metrics.influx") << influx.output;
  const auto parsed = virtplan::lab::detail::run_child(
      {"sh", "-c",
       fmt::format("python3 {} --measurement virtplan_domain --measurement virtplan_domain_net "
                   "--measurement virtplan_domain_block --expect-tag domain={} "
                   "--min-lines 3 < {}",
                   shell_quote(VIRTPLAN_SOURCE_DIR "/tests/metrics/check_influx.py"),
                   shell_quote(made.domain), shell_quote((dir / "metrics.influx").string()))});
  INFO(parsed.out + parsed.err);
  CHECK(parsed.status == 0);

  // --listen: two scrapes with curl, each a fresh observation (the domain is
  // paused between them), each passing promtool; then SIGTERM ends it cleanly.
  const auto server =
      start_virtplan("metrics --listen 127.0.0.1:0 --scrape-timeout 60" + f, (dir / "listen.log").string());
  std::string port;
  REQUIRE(virtplan::lab::wait_until(std::chrono::seconds(20), [&] {
    std::smatch found;
    const std::string log = server.output();
    if (!std::regex_search(log, found, std::regex("serving http://127\\.0\\.0\\.1:([0-9]+)/metrics")))
      return false;
    port = found[1];
    return true;
  }));
  const auto scrape = [&] {
    return virtplan::lab::detail::run_child(
        {"curl", "-sS", "--fail", "--max-time", "90", "http://127.0.0.1:" + port + "/metrics"});
  };
  const auto first = scrape();
  INFO(first.out + first.err + server.output());
  REQUIRE(first.status == 0);
  CHECK(first.out.find("virtplan_domain_state{" + labels + "} 1\n") != std::string::npos);
  CHECK(promtool_complaints(dir, first.out) == "");
  env.run_in(0, "virsh -q suspend --domain " + shell_quote(made.domain));
  const auto second = scrape();
  INFO(second.out + second.err);
  REQUIRE(second.status == 0);
  CHECK(second.out.find("virtplan_domain_state{" + labels + "} 3\n") != std::string::npos);
  CHECK(promtool_complaints(dir, second.out) == "");
  const auto elsewhere = virtplan::lab::detail::run_child(
      {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + port + "/"});
  CHECK(elsewhere.out == "404");
  REQUIRE(kill(server.pid, SIGTERM) == 0);
  CHECK(server.wait() == 0);
  CHECK(server.output().find("virtplan metrics: stopped\n") != std::string::npos);

  owned.remove(env);
}
