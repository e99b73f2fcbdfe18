#include "planner/apply_executor.h"

#include "planner/apply_observer.h"
#include "tests/planner/apply_plan_builder.h"
#include "tests/planner/fake_actuator.h"
#include "tests/planner/fake_host_access.h"

#include <fmt/ranges.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;
using namespace std::chrono_literals;

namespace {

// Every kind's FakeActuator, one journal, hosts lab1 and lab2.
struct ApplyRig {
  ApplyJournal journal;
  FakeActuator pool{"pool", journal}, volume{"volume", journal}, network{"network", journal},
      domain{"domain", journal};
  FakeHostAccess hosts{journal, {"lab1", "lab2"}};

  ActuatorLookup actuators() {
    return [this](std::string_view kind) -> const virtplan::providers::KindActuator* {
      if (kind == "pool") return &pool;
      if (kind == "volume") return &volume;
      if (kind == "network") return &network;
      if (kind == "domain") return &domain;
      return nullptr;
    };
  }

  ApplyReport apply(const Plan& plan, ApplyObserver& observer, ApplyOptions options = {}) {
    return apply_plan(plan, linked_kinds(), actuators(), hosts, observer, options);
  }
  ApplyReport apply(const Plan& plan, ApplyOptions options = {}) {
    NullApplyObserver quiet;
    return apply(plan, quiet, options);
  }
  bool before(const std::string& first, const std::string& then) const {
    const int a = journal.position(first), b = journal.position(then);
    INFO(first << " at " << a << ", " << then << " at " << b);
    return a >= 0 && b >= 0 && a < b;
  }
};

// The stack of the quickstart, on one host: pool -> volume -> domain, network -> domain.
Plan quickstart_creates(const std::string& host = "lab1") {
  return Plan("demo",
              {change("pool.p@" + host, Action::create),
               change("volume.root@" + host, Action::create, needing({"pool.p"})),
               change("network.lan@" + host, Action::create),
               change("domain.web@" + host, Action::create, needing({"volume.root", "network.lan"}))});
}

const StepResult& result_of(const ApplyReport& report, const std::string& address) {
  for (const StepResult& r : report.results()) {
    if (r.id.address() == address) return r;
  }
  FAIL("no result for " << address);
  throw;
}

// Records the observer's calls as text.
class RecordingObserver : public ApplyObserver {
public:
  void step_started(const virtplan::providers::ObjectId& id, Action action) override {
    lines.push_back(fmt::format("started {} {}", to_string(action), id.address()));
  }
  void step_progress(const virtplan::providers::ObjectId& id, std::string_view text) override {
    lines.push_back(fmt::format("progress {}: {}", id.address(), text));
  }
  void step_finished(const StepResult& r) override {
    lines.push_back(fmt::format("finished {} {}", r.id.address(), to_string(r.status)));
  }
  std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("apply: creates run pool before volume before domain, and network before domain") {
  ApplyRig rig;
  rig.pool.delay(20ms);
  rig.network.delay(40ms);
  const ApplyReport report = rig.apply(quickstart_creates());
  CHECK(report.ok());
  CHECK(report.done() == 4);
  CHECK(rig.before("create pool.p@lab1", "start create volume.root@lab1"));
  CHECK(rig.before("create volume.root@lab1", "start create domain.web@lab1"));
  CHECK(rig.before("create network.lan@lab1", "start create domain.web@lab1"));
  // Independent steps overlap: the pool and the network ran at once.
  CHECK(rig.before("start create network.lan@lab1", "create pool.p@lab1"));
}

TEST_CASE("apply: of the steps that may start, the one with the longest chain waiting on it goes first") {
  ApplyRig rig;
  Plan plan("demo", {change("pool.p@lab1", Action::create),
                     change("volume.a@lab1", Action::create, needing({"pool.p"})),
                     change("volume.b@lab1", Action::create, needing({"pool.p"})),
                     change("domain.a@lab1", Action::create, needing({"volume.a"})),
                     change("domain.b@lab1", Action::create, needing({"volume.b"}))});
  const ApplyReport report = rig.apply(plan, ApplyOptions{.parallelism = 1});
  CHECK(report.ok());
  // By address alone, domain.a (ready once volume.a is made) would go before volume.b.
  std::vector<std::string> creates;
  for (const std::string& event : rig.journal.events()) {
    if (event.starts_with("start create ")) creates.push_back(event.substr(13));
  }
  CHECK(creates == std::vector<std::string>{"pool.p@lab1", "volume.a@lab1", "volume.b@lab1", "domain.a@lab1",
                                            "domain.b@lab1"});
}

TEST_CASE("apply: each kind with steps on a host other than destroys prepares that host once") {
  ApplyRig rig;
  Plan plan("demo", {change("pool.p@lab1", Action::create),
                     change("volume.a@lab1", Action::create, needing({"pool.p"})),
                     change("volume.b@lab1", Action::create, needing({"pool.p"})),
                     change("domain.a@lab1", Action::create, needing({"volume.a"})),
                     change("domain.b@lab1", Action::update), change("volume.c@lab2", Action::create),
                     change("domain.old@lab2", Action::destroy)});
  REQUIRE(rig.apply(plan).ok());
  CHECK(rig.pool.prepared() == std::vector<std::string>{"lab1"});
  CHECK(rig.domain.prepared() == std::vector<std::string>{"lab1"});  // lab2 only loses one
  std::vector<std::string> volume_hosts = rig.volume.prepared();
  std::sort(volume_hosts.begin(), volume_hosts.end());
  CHECK(volume_hosts == std::vector<std::string>{"lab1", "lab2"});
  CHECK(rig.network.prepared().empty());
}

TEST_CASE("apply: destroys run in reverse and each is forgotten after it is done") {
  ApplyRig rig;
  Plan plan("demo", {change("pool.p@lab1", Action::destroy),
                     change("volume.root@lab1", Action::destroy, needing({"pool.p"})),
                     change("domain.web@lab1", Action::destroy, needing({"volume.root"}))});
  const ApplyReport report = rig.apply(plan);
  CHECK(report.ok());
  CHECK(rig.before("destroy domain.web@lab1", "start destroy volume.root@lab1"));
  CHECK(rig.before("destroy volume.root@lab1", "start destroy pool.p@lab1"));
  CHECK(rig.before("destroy pool.p@lab1", "forget pool.p@lab1"));
  CHECK(rig.before("destroy domain.web@lab1", "forget domain.web@lab1"));
  CHECK(rig.journal.count("forget ") == 3);
  CHECK(rig.journal.count("intents ") == 0);
  CHECK(rig.journal.count("created ") == 0);
}

TEST_CASE(
    "apply: destroys and a replace's destroy stop gracefully unless the options say immediate "
    "(destroy --force)") {
  Plan plan("demo", {change("domain.old@lab1", Action::destroy), change("domain.web@lab1", Action::replace)});
  SECTION("by default") {
    ApplyRig rig;
    CHECK(rig.apply(plan).ok());
    CHECK(rig.journal.count("immediate ") == 0);
    CHECK(rig.journal.position("destroy domain.old@lab1") >= 0);
  }
  SECTION("immediate") {
    ApplyRig rig;
    CHECK(rig.apply(plan, ApplyOptions{.stop = virtplan::providers::StopMode::immediate}).ok());
    CHECK(rig.journal.position("immediate destroy domain.old@lab1") >= 0);
    CHECK(rig.journal.position("immediate destroy domain.web@lab1") >= 0);
  }
}

TEST_CASE("apply: intents of every create on a host are recorded in one write before any create") {
  ApplyRig rig;
  rig.volume.ledger_data({{"sha256", "abc"}});
  const ApplyReport report = rig.apply(quickstart_creates());
  REQUIRE(report.ok());
  CHECK(rig.journal.count("intents ") == 1);
  CHECK(rig.journal.position("intents lab1 domain.web@lab1 network.lan@lab1 pool.p@lab1 volume.root@lab1") ==
        1);
  CHECK(rig.before("intents lab1 domain.web@lab1 network.lan@lab1 pool.p@lab1 volume.root@lab1",
                   "start create network.lan@lab1"));
  CHECK(rig.before("intents lab1 domain.web@lab1 network.lan@lab1 pool.p@lab1 volume.root@lab1",
                   "start create pool.p@lab1"));
  // Each create is marked created with its kind's ledger data, after it ran.
  CHECK(rig.before("create volume.root@lab1", "created volume.root@lab1 {\"sha256\":\"abc\"}"));
  CHECK(rig.before("create domain.web@lab1", "created domain.web@lab1 {}"));
  CHECK(rig.journal.count("created ") == 4);
}

TEST_CASE("apply: each host gets its own single intents write") {
  ApplyRig rig;
  Plan plan("demo", {change("volume.a@lab1", Action::create), change("volume.b@lab1", Action::create),
                     change("volume.c@lab2", Action::create), change("domain.x@lab2", Action::update)});
  REQUIRE(rig.apply(plan).ok());
  CHECK(rig.journal.count("intents ") == 2);
  CHECK(rig.journal.position("intents lab1 volume.a@lab1 volume.b@lab1") >= 0);
  CHECK(rig.journal.position("intents lab2 volume.c@lab2") >= 0);
  CHECK(rig.journal.count("session lab1") >= 1);
}

TEST_CASE("apply: a replace is the actuator's destroy then create, with its intent recorded first") {
  ApplyRig rig;
  Plan plan("demo", {change("volume.root@lab1", Action::replace)});
  const ApplyReport report = rig.apply(plan);
  REQUIRE(report.ok());
  CHECK(rig.before("intents lab1 volume.root@lab1", "start destroy volume.root@lab1"));
  CHECK(rig.before("destroy volume.root@lab1", "start create volume.root@lab1"));
  CHECK(rig.before("create volume.root@lab1", "created volume.root@lab1 {}"));
  CHECK(rig.journal.count("forget ") == 0);
  CHECK(result_of(report, "volume.root@lab1").action == Action::replace);
}

TEST_CASE("apply: a replace whose destroy fails creates nothing") {
  ApplyRig rig;
  rig.volume.fail("destroy", "volume.root@lab1");
  const ApplyReport report = rig.apply(Plan("demo", {change("volume.root@lab1", Action::replace)}));
  CHECK(report.failed() == 1);
  CHECK(rig.journal.position("start create volume.root@lab1") == -1);
  CHECK(result_of(report, "volume.root@lab1").reason ==
        "volume.root@lab1: replace: not destroyed, nothing created: volume.root@lab1: virsh destroy failed: "
        "fake failure");
}

TEST_CASE("apply: a failure skips only what depends on it, transitively, and says why") {
  ApplyRig rig;
  rig.pool.fail("create", "pool.p@lab1");
  Plan plan = quickstart_creates();
  std::vector<Change> changes = plan.changes();
  changes.push_back(change("volume.other@lab1", Action::create));
  const ApplyReport report = rig.apply(Plan("demo", changes));
  CHECK_FALSE(report.ok());
  CHECK(report.done() == 2);
  CHECK(report.failed() == 1);
  CHECK(report.skipped() == 2);
  CHECK(result_of(report, "pool.p@lab1").reason == "pool.p@lab1: virsh create failed: fake failure");
  CHECK(result_of(report, "volume.root@lab1").status == StepStatus::skipped);
  CHECK(result_of(report, "volume.root@lab1").reason == "needs pool.p@lab1, which failed");
  CHECK(result_of(report, "domain.web@lab1").reason == "needs volume.root@lab1, which was skipped");
  CHECK(result_of(report, "network.lan@lab1").status == StepStatus::done);
  CHECK(result_of(report, "volume.other@lab1").status == StepStatus::done);
  CHECK(rig.journal.position("start create volume.root@lab1") == -1);
  CHECK(rig.journal.position("start create domain.web@lab1") == -1);
  CHECK(rig.journal.position("created pool.p@lab1 {}") == -1);
}

TEST_CASE("apply: an unreachable host fails its own steps with its error, the other host's go on") {
  ApplyRig rig;
  rig.hosts.unreachable("lab2");
  std::vector<Change> changes = quickstart_creates("lab1").changes();
  const Plan on_lab2 = quickstart_creates("lab2");
  for (const Change& c : on_lab2.changes()) changes.push_back(c);
  const ApplyReport report = rig.apply(Plan("demo", changes));
  CHECK(report.done() == 4);
  CHECK(report.failed() == 4);
  CHECK(report.skipped() == 0);
  for (const StepResult& r : report.results()) {
    INFO(r.id.address());
    if (r.id.host == "lab1") CHECK(r.status == StepStatus::done);
    if (r.id.host == "lab2") CHECK(r.reason == "lab2: connection refused");
  }
  CHECK(rig.journal.count("intents lab2") == 0);
  // One connection attempt per host, not one per step.
  CHECK(rig.journal.count("session lab2") == 1);
}

TEST_CASE("apply: creates on a host whose ledger cannot be written fail without running, others run") {
  ApplyRig rig;
  rig.hosts.ledger_broken("lab1");
  Plan plan("demo", {change("volume.a@lab1", Action::create), change("domain.x@lab1", Action::update),
                     change("volume.b@lab2", Action::create)});
  const ApplyReport report = rig.apply(plan);
  CHECK(result_of(report, "volume.a@lab1").reason ==
        "volume.a@lab1: not created, its ownership could not be recorded first: lab1: writing the ledger "
        "failed: disk full");
  CHECK(rig.journal.position("start create volume.a@lab1") == -1);
  CHECK(result_of(report, "domain.x@lab1").status == StepStatus::done);
  CHECK(result_of(report, "volume.b@lab2").status == StepStatus::done);
}

TEST_CASE("apply: a ledger that cannot be brought up to date at the end fails the apply and says so") {
  ApplyRig rig;
  rig.hosts.flush_fails("lab2");
  Plan plan("demo", {change("volume.a@lab1", Action::create), change("volume.b@lab2", Action::create)});
  const ApplyReport report = rig.apply(plan);
  CHECK(report.done() == 2);
  CHECK_FALSE(report.ok());
  CHECK(report.errors() ==
        std::vector<std::string>{
            "lab2: writing the ledger failed: disk full; the stack's ledger there may not list "
            "everything this apply made (the next apply adopts what it made, as after a crash)"});
}

TEST_CASE(
    "apply: each host takes as many steps as it can, whatever the others do, and --parallelism caps them all") {
  std::vector<Change> changes;
  for (int i = 0; i < 12; ++i) {
    changes.push_back(change(fmt::format("volume.v{:02}@lab1", i), Action::create));
    changes.push_back(change(fmt::format("volume.v{:02}@lab2", i), Action::create));
  }
  const Plan plan("demo", changes);
  SECTION("default: no cap over all hosts, each host its own (8 here)") {
    ApplyRig rig;
    rig.volume.delay(30ms);
    REQUIRE(rig.apply(plan).ok());
    CHECK(rig.journal.max_running_on("lab1") == 8);
    CHECK(rig.journal.max_running_on("lab2") == 8);
    CHECK(rig.journal.max_running() == 16);
  }
  SECTION("a host that takes 4") {
    ApplyRig rig;
    rig.hosts.takes("lab1", 4);
    rig.volume.delay(30ms);
    REQUIRE(rig.apply(plan).ok());
    CHECK(rig.journal.max_running_on("lab1") == 4);
    CHECK(rig.journal.max_running_on("lab2") == 8);
  }
  SECTION("--parallelism 3") {
    ApplyRig rig;
    rig.volume.delay(30ms);
    REQUIRE(rig.apply(plan, ApplyOptions{.parallelism = 3}).ok());
    CHECK(rig.journal.max_running() == 3);
  }
  SECTION("hosts that take one step each") {
    ApplyRig rig;
    rig.hosts.takes("lab1", 1).takes("lab2", 1);
    rig.volume.delay(20ms);
    REQUIRE(rig.apply(plan).ok());
    CHECK(rig.journal.max_running_on("lab1") == 1);
    CHECK(rig.journal.max_running_on("lab2") == 1);
    CHECK(rig.journal.max_running() == 2);
  }
}

TEST_CASE("apply: a host is told it is finished with as soon as its own last step is over, once") {
  // lab1 has one step, lab2 three: taking turns, lab1 is over after the first round.
  ApplyRig rig;
  Plan plan("demo", {change("volume.a1@lab1", Action::create), change("volume.b1@lab2", Action::create),
                     change("volume.b2@lab2", Action::create), change("volume.b3@lab2", Action::create)});
  REQUIRE(rig.apply(plan, ApplyOptions{.parallelism = 1}).ok());
  CHECK(rig.before("finished lab1", "start create volume.b2@lab2"));
  CHECK(rig.before("start create volume.b3@lab2", "finished lab2"));
  CHECK(rig.journal.count("finished ") == 2);
}

TEST_CASE("apply: a host whose steps are skipped after a failure is finished with too") {
  ApplyRig rig;
  rig.pool.fail("create", "pool.p@lab1");  // the volume and the domain are skipped
  REQUIRE_FALSE(rig.apply(quickstart_creates()).ok());
  CHECK(rig.journal.count("finished lab1") == 1);
}

TEST_CASE("apply: hosts take turns, so under --parallelism no host waits for another's steps") {
  // By address alone, every step on lab1 (a...) would start before any on lab2 (b...).
  ApplyRig rig;
  Plan plan("demo", {change("volume.a1@lab1", Action::create), change("volume.a2@lab1", Action::create),
                     change("volume.a3@lab1", Action::create), change("volume.b1@lab2", Action::create),
                     change("volume.b2@lab2", Action::create), change("volume.b3@lab2", Action::create)});
  REQUIRE(rig.apply(plan, ApplyOptions{.parallelism = 1}).ok());
  std::vector<std::string> creates;
  for (const std::string& event : rig.journal.events()) {
    if (event.starts_with("start create ")) creates.push_back(event.substr(13));
  }
  CHECK(creates == std::vector<std::string>{"volume.a1@lab1", "volume.b1@lab2", "volume.a2@lab1",
                                            "volume.b2@lab2", "volume.a3@lab1", "volume.b3@lab2"});
}

TEST_CASE(
    "apply: a host's longest chain goes first on its turn, and a long chain on one host does not hold the others") {
  ApplyRig rig;
  Plan plan("demo", {change("pool.p@lab1", Action::create),
                     change("volume.a@lab1", Action::create, needing({"pool.p"})),
                     change("domain.a@lab1", Action::create, needing({"volume.a"})),
                     change("volume.x@lab1", Action::create), change("volume.b@lab2", Action::create),
                     change("volume.c@lab2", Action::create)});
  REQUIRE(rig.apply(plan, ApplyOptions{.parallelism = 1}).ok());
  std::vector<std::string> creates;
  for (const std::string& event : rig.journal.events()) {
    if (event.starts_with("start create ")) creates.push_back(event.substr(13));
  }
  CHECK(creates == std::vector<std::string>{"pool.p@lab1", "volume.b@lab2", "volume.a@lab1", "volume.c@lab2",
                                            "domain.a@lab1", "volume.x@lab1"});
}

TEST_CASE(
    "apply: the observer hears start, progress and finish of each step, and skipped steps finish only") {
  ApplyRig rig;
  rig.pool.fail("create", "pool.p@lab1");
  Plan plan("demo", {change("pool.p@lab1", Action::create),
                     change("volume.root@lab1", Action::create, needing({"pool.p"}))});
  RecordingObserver observer;
  rig.apply(plan, observer);
  CHECK(observer.lines == std::vector<std::string>{"started create pool.p@lab1",
                                                   "progress pool.p@lab1: working on create pool.p@lab1",
                                                   "finished pool.p@lab1 failed",
                                                   "finished volume.root@lab1 skipped"});
}

TEST_CASE("apply: warnings are kept, the actuator's step carries the change, no-ops do nothing") {
  ApplyRig rig;
  Plan plan("demo", {change("domain.web@lab1", Action::update), change("volume.root@lab1", Action::no_op)});
  const ApplyReport report = rig.apply(plan);
  REQUIRE(report.results().size() == 1);
  CHECK(report.results()[0].warnings == std::vector<std::string>{"restart pending"});
  // An update that returns no ledger data leaves the ledger alone.
  CHECK(rig.journal.count("created ") == 0);
  CHECK(rig.journal.count("intents ") == 0);
}

TEST_CASE("apply: a dependency cycle does nothing and is reported") {
  ApplyRig rig;
  Plan plan("demo", {change("volume.a@lab1", Action::create, needing({"volume.b"})),
                     change("volume.b@lab1", Action::create, needing({"volume.a"}))});
  const ApplyReport report = rig.apply(plan);
  CHECK_FALSE(report.ok());
  CHECK(report.results().empty());
  CHECK(report.errors() ==
        std::vector<std::string>{
            "dependency cycle: volume.a@lab1 -> volume.b@lab1 -> volume.a@lab1; nothing was done"});
  CHECK(rig.journal.events().empty());
}

TEST_CASE("apply: a kind without an actuator fails its step") {
  ApplyRig rig;
  const ApplyReport report =
      apply_plan(Plan("demo", {change("volume.a@lab1", Action::create)}), linked_kinds(),
                 [](std::string_view) -> const virtplan::providers::KindActuator* { return nullptr; },
                 rig.hosts, *std::make_unique<NullApplyObserver>(), {});
  CHECK(result_of(report, "volume.a@lab1").reason ==
        "volume.a@lab1: no actuator for kind 'volume'; nothing was done");
}

TEST_CASE(
    "apply: a create that failed and left no object clears its intent, and one that may have run keeps it") {
  ApplyRig rig;
  rig.volume.fail("create", "volume.gone@lab1").exists_answer(false);
  rig.pool.fail("create", "pool.maybe@lab2");
  const ApplyReport report = rig.apply(
      Plan("demo", {change("volume.gone@lab1", Action::create), change("pool.maybe@lab2", Action::create)}));
  CHECK(report.failed() == 2);
  // lab1 says the volume is not there: a foreign one made later under its
  // name must not pass for the stack's.
  CHECK(rig.before("create volume.gone@lab1", "exists volume.gone@lab1 false"));
  CHECK(rig.before("exists volume.gone@lab1 false", "forget volume.gone@lab1"));
  // lab2 cannot tell (the base's answer): the intent stays for the next apply to adopt.
  CHECK(rig.journal.position("forget pool.maybe@lab2") == -1);
}

namespace {

// A stopped domain.web moving from lab1 to lab2 with its overlay volume.root,
// whose base is an image by URL.
Plan overlay_moving() {
  const nlohmann::json overlay = {{"backing_url", "https://images.example/d.qcow2"}};
  Change domain = change("domain.web@lab1", Action::migrate, nlohmann::json::object());
  domain.before = nlohmann::json{{"state", "stopped"}};
  domain.destination = "lab2";
  Change root = change("volume.root@lab1", Action::migrate, overlay);
  root.before = overlay;
  root.destination = "lab2";
  root.moves_with = "domain.web@lab1";
  return Plan("demo", {domain, root});
}

}  // namespace

TEST_CASE("apply: a migrate readies what moves with it on the destination before the source is marked") {
  ApplyRig rig;
  rig.domain.exists_answer(false);
  const ApplyReport report = rig.apply(overlay_moving());
  INFO(fmt::format("{}", fmt::join(rig.journal.events(), "\n")));
  CHECK(report.ok());
  // The shared storage proven, then the overlay's image fetched on lab2 (the
  // volume kind's prepare_carried), then the source marked and the copy.
  CHECK(rig.before("migrate verify domain.web@lab1", "prepare volume.root@lab2 on lab2"));
  CHECK(rig.before("prepare volume.root@lab2 on lab2",
                   R"(created domain.web@lab1 {"migrating_shared":[],"migrating_to":"lab2"})"));
  CHECK(rig.before("prepare volume.root@lab2 on lab2", "migrate copy domain.web@lab1"));
  CHECK(rig.journal.count("prepare ") == 1);
}

TEST_CASE("apply: a migrate whose carried volume's image cannot be fetched there moves nothing") {
  ApplyRig rig;
  rig.domain.exists_answer(false);
  rig.volume.fail("prepare", "volume.root@lab2");
  const ApplyReport report = rig.apply(overlay_moving());
  INFO(fmt::format("{}", fmt::join(rig.journal.events(), "\n")));
  CHECK_FALSE(report.ok());
  const StepResult& web = result_of(report, "domain.web@lab1");
  CHECK(web.status == StepStatus::failed);
  CHECK(web.reason ==
        "domain.web@lab1: not migrated, nothing was moved from lab1: volume root: its image could "
        "not be fetched");
  // Not marked on the source, nothing made, copied or removed.
  CHECK(rig.journal.count("created domain.web@lab1") == 0);
  CHECK(rig.journal.count("migrate copy") == 0);
  CHECK(rig.journal.count("migrate define") == 0);
  CHECK(rig.journal.count("migrate remove_source") == 0);
  CHECK(rig.journal.count("forget") == 0);
}

namespace {

// A running domain.web finishing its live migration from lab1 to lab2: the
// plan saw it on lab2 (ours, arriving), with the killed apply's copy of volume.root.
Plan live_finishing() {
  Change domain = change("domain.web@lab1", Action::migrate, nlohmann::json{{"state", "running"}});
  domain.before = nlohmann::json{{"state", "running"}};
  domain.destination = "lab2";
  domain.destination_ours = true;
  domain.live = true;
  Change root = change("volume.root@lab1", Action::migrate, nlohmann::json::object());
  root.destination = "lab2";
  root.moves_with = "domain.web@lab1";
  root.destination_ours = true;
  return Plan("demo", {domain, root});
}

}  // namespace

TEST_CASE("apply: finishing a live migration that then ends on the destination only removes the source") {
  ApplyRig rig;
  rig.domain.exists_answer(true);
  const ApplyReport report = rig.apply(live_finishing());
  INFO(fmt::format("{}", fmt::join(rig.journal.events(), "\n")));
  CHECK(report.ok());
  CHECK(rig.before("migrate settle domain.web@lab1", "migrate remove_source domain.web@lab1"));
  CHECK(rig.journal.count("migrate verify") == 0);
  CHECK(rig.journal.count("migrate copy") == 0);
  CHECK(rig.journal.count("migrate define") == 0);
  CHECK(result_of(report, "domain.web@lab1").warnings.empty());
}

TEST_CASE("apply: finishing a live migration that libvirt cut short after the plan makes it again") {
  ApplyRig rig;
  // On lab2 when the step starts (arriving), gone once the migration ended.
  rig.domain.exists_then(true).exists_then(false);
  const ApplyReport report = rig.apply(live_finishing());
  INFO(fmt::format("{}", fmt::join(rig.journal.events(), "\n")));
  CHECK(report.ok());
  CHECK(rig.before("migrate settle domain.web@lab1", "exists domain.web@lab2 false"));
  CHECK(rig.before("exists domain.web@lab2 false", "migrate verify domain.web@lab1"));
  CHECK(rig.before("migrate verify domain.web@lab1", "migrate copy domain.web@lab1"));
  CHECK(rig.before("migrate copy domain.web@lab1", "migrate define domain.web@lab1"));
  CHECK(rig.before("migrate define domain.web@lab1", "migrate remove_source domain.web@lab1"));
  CHECK(result_of(report, "domain.web@lab1").warnings ==
        std::vector<std::string>{"the migration to lab2 a killed apply left under way was cut short: "
                                 "migrated again"});
}

TEST_CASE("apply: a migration whose destination holds nothing at the start does not wait for one") {
  ApplyRig rig;
  rig.domain.exists_answer(false);
  const ApplyReport report = rig.apply(overlay_moving());
  CHECK(report.ok());
  CHECK(rig.journal.count("migrate settle") == 0);
}

TEST_CASE("apply: finishing a live migration cut short before the step began makes it again, live") {
  ApplyRig rig;
  rig.domain.exists_answer(false);
  const ApplyReport report = rig.apply(live_finishing());
  INFO(fmt::format("{}", fmt::join(rig.journal.events(), "\n")));
  CHECK(report.ok());
  CHECK(rig.journal.count("migrate settle") == 0);
  CHECK(rig.before("migrate verify domain.web@lab1", "migrate define domain.web@lab1"));
  CHECK(result_of(report, "domain.web@lab1").warnings.size() == 1);
}
