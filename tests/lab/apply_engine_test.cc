// The apply engine against real lab hosts over real SSH: apply_plan() with
// RemoteHostAccess, and actuators that only run a harmless virsh command
// (`virsh uri`) and hand its answer to the ledger, so that what is checked is
// the engine's part: sessions, ordering, and the ledger file each host ends
// up with.

#include "planner/apply_executor.h"
#include "planner/apply_observer.h"
#include "planner/apply_report_text.h"
#include "planner/destroy_plan.h"
#include "providers/host/host_session.h"
#include "providers/host/ledger.h"
#include "providers/host/remote_host_access.h"
#include "tests/lab/lab_fixture.h"
#include "tests/planner/linked_kind.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <mutex>

using namespace virtplan::planner;
using namespace virtplan::providers;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

namespace {

// Each test case runs in its own process, and ctest runs them side by side:
// one stack (lock and ledger) per process, so they do not meet.
const std::string k_engine_stack = "engine-lab-test-" + std::to_string(getpid());

// Runs `virsh uri` on the step's host for every call and logs the call; the
// ledger data of a create is {"uri": what virsh answered}.
class UriActuator : public KindActuator {
public:
  explicit UriActuator(std::string kind) : m_kind(std::move(kind)) {}
  std::string_view kind() const override { return m_kind; }
  Result<ActuatorOutcome> create(const ActuatorStep& step, HostSession& host) const override {
    return call("create", step, host);
  }
  Result<ActuatorOutcome> update(const ActuatorStep& step, HostSession& host) const override {
    return call("update", step, host);
  }
  Result<ActuatorOutcome> destroy(const ActuatorStep& step, HostSession& host) const override {
    return call("destroy", step, host);
  }
  std::vector<std::string> calls() const {
    std::lock_guard lock(m_mutex);
    return m_calls;
  }

private:
  Result<ActuatorOutcome> call(const std::string& op, const ActuatorStep& step, HostSession& host) const {
    auto uri = host.virsh().run({"uri"});
    if (!uri) return std::unexpected(uri.error().with_context(step.desired.id.address()));
    {
      std::lock_guard lock(m_mutex);
      m_calls.push_back(op + " " + step.desired.id.address());
    }
    ActuatorOutcome outcome;
    std::string text = *uri;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    outcome.ledger_data = {{"uri", text}};
    return outcome;
  }

  std::string m_kind;
  mutable std::mutex m_mutex;
  mutable std::vector<std::string> m_calls;
};

struct Engine {
  virtplan::planner::testing::LinkedKind pool{"pool"}, volume{"volume"}, network{"network"};
  UriActuator actuator{"any"};

  KindLookup kinds() {
    return [this](std::string_view kind) -> const ResourceKind* {
      if (kind == "pool") return &pool;
      if (kind == "volume") return &volume;
      if (kind == "network") return &network;
      return nullptr;
    };
  }
  ActuatorLookup actuators() {
    return [this](std::string_view) -> const KindActuator* { return &actuator; };
  }
};

Change create(ObjectId id, nlohmann::json spec = nlohmann::json::object()) {
  return Change{std::move(id), Action::create, Impact::none, {}, {}, nullptr, std::move(spec)};
}

std::string ledger_path() { return Ledger::path(k_engine_stack); }

Ledger ledger_on(const LabEnv& env, std::size_t i) {
  auto ledger = Ledger::parse(k_engine_stack, env.run_in(i, "cat " + ledger_path() + " 2>/dev/null || true"));
  REQUIRE(ledger);
  return *ledger;
}

std::map<std::string, HostConfig> lab_hosts(const LabEnv& env) {
  std::map<std::string, HostConfig> hosts;
  for (std::size_t i = 0; i < 2; ++i) hosts[env.hosts[i].name] = env.host_config(i);
  return hosts;
}

void remove_ledgers(const LabEnv& env) {
  for (std::size_t i = 0; i < 2; ++i) env.run_in(i, "rm -f " + ledger_path());
}

}  // namespace

TEST_CASE("apply engine over ssh: creates on two hosts land in each host's ledger, destroy forgets them") {
  const LabEnv env = require_lab(2);
  remove_ledgers(env);
  const std::string lab1 = env.hosts[0].name, lab2 = env.hosts[1].name;
  Engine engine;
  Plan plan(k_engine_stack,
            {create({"pool", "p", lab1}), create({"volume", "v", lab1}, {{"needs", {"pool.p"}}}),
             create({"network", "n", lab2})});
  NullApplyObserver quiet;
  std::size_t writes_lab1 = 0;
  {
    RemoteHostAccess access(k_engine_stack, lab_hosts(env), {});
    const ApplyReport report = apply_plan(plan, engine.kinds(), engine.actuators(), access, quiet, {});
    INFO(render_apply_report_text(report));
    REQUIRE(report.ok());
    CHECK(report.done() == 3);
    writes_lab1 = static_cast<std::size_t>(access.ledger_writes(lab1));
  }
  const auto calls = engine.actuator.calls();
  const auto pool_at = std::find(calls.begin(), calls.end(), "create pool.p@" + lab1);
  const auto volume_at = std::find(calls.begin(), calls.end(), "create volume.v@" + lab1);
  REQUIRE(pool_at != calls.end());
  REQUIRE(volume_at != calls.end());
  CHECK(pool_at < volume_at);

  const Ledger on1 = ledger_on(env, 0);
  CHECK(on1.entries() ==
        std::vector<LedgerEntry>{{"pool", "p", LedgerState::created, {{"uri", "qemu:///system"}}},
                                 {"volume", "v", LedgerState::created, {{"uri", "qemu:///system"}}}});
  // One write for both intents, then one per create (or fewer, coalesced).
  CHECK(writes_lab1 >= 2);
  CHECK(writes_lab1 <= 3);
  CHECK(ledger_on(env, 1).entries() ==
        std::vector<LedgerEntry>{{"network", "n", LedgerState::created, {{"uri", "qemu:///system"}}}});
  // Readable by root and libvirt's group only (issue 18: members share the ledger).
  CHECK(env.run_in(0, "stat -c %a " + ledger_path()) == "660\n");

  // Destroy what the ledgers say the stack owns, in reverse.
  ObservedState observed;
  observed.objects = {{{"pool", "p", lab1}, nlohmann::json::object(), Ownership::ours, ""},
                      {{"volume", "v", lab1}, {{"needs", {"pool.p"}}}, Ownership::ours, ""},
                      {{"network", "n", lab2}, nlohmann::json::object(), Ownership::ours, ""}};
  auto destroy = destroy_plan(k_engine_stack, observed, engine.kinds());
  REQUIRE(destroy);
  {
    RemoteHostAccess access(k_engine_stack, lab_hosts(env), {});
    const ApplyReport report = apply_plan(*destroy, engine.kinds(), engine.actuators(), access, quiet, {});
    INFO(render_apply_report_text(report));
    REQUIRE(report.ok());
  }
  const auto after = engine.actuator.calls();
  CHECK(std::find(after.begin(), after.end(), "destroy volume.v@" + lab1) <
        std::find(after.begin(), after.end(), "destroy pool.p@" + lab1));
  CHECK(ledger_on(env, 0).entries().empty());
  CHECK(ledger_on(env, 1).entries().empty());
  remove_ledgers(env);
}

TEST_CASE("apply engine over ssh: a host that cannot be reached fails only its own steps") {
  const LabEnv env = require_lab(2);
  remove_ledgers(env);
  const std::string lab1 = env.hosts[0].name;
  auto hosts = lab_hosts(env);
  HostConfig gone = env.host_config(0);
  gone.name = "gone";
  gone.hostname = "10.231.254.2";  // a lab address no lab host has
  gone.connect_timeout = std::chrono::seconds(3);
  hosts["gone"] = gone;

  Engine engine;
  Plan plan(k_engine_stack, {create({"volume", "a", lab1}), create({"volume", "b", "gone"}),
                             create({"volume", "c", "gone"}, {{"needs", {"volume.b"}}})});
  NullApplyObserver quiet;
  RemoteHostAccess access(k_engine_stack, hosts, {});
  const ApplyReport report = apply_plan(plan, engine.kinds(), engine.actuators(), access, quiet, {});
  INFO(render_apply_report_text(report));
  CHECK(report.done() == 1);
  CHECK(report.failed() == 2);
  for (const StepResult& r : report.results()) {
    if (r.id.host != "gone") continue;
    CHECK(r.status == StepStatus::failed);
    CHECK(r.reason.starts_with("gone"));
  }
  CHECK(ledger_on(env, 0).entries() ==
        std::vector<LedgerEntry>{{"volume", "a", LedgerState::created, {{"uri", "qemu:///system"}}}});
  remove_ledgers(env);
}
