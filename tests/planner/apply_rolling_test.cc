// Apply's rolls of replica groups (planner/apply_roll_gate.h): with the
// fake actuators and hosts, at most max_unavailable members are down at
// once, in member order, a failed member stops the roll, and live changes of
// members run side by side.

#include "planner/apply_executor.h"

#include "planner/apply_observer.h"
#include "tests/planner/apply_plan_builder.h"
#include "tests/planner/fake_actuator.h"
#include "tests/planner/fake_host_access.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;
using namespace std::chrono_literals;
using virtplan::providers::Impact;

namespace {

struct RollRig {
  ApplyJournal journal;
  FakeActuator domain{"domain", journal}, volume{"volume", journal};
  FakeHostAccess hosts{journal, {"lab1", "lab2"}};

  ApplyReport apply(const Plan& plan) {
    NullApplyObserver quiet;
    ActuatorLookup actuators = [this](std::string_view kind) -> const virtplan::providers::KindActuator* {
      if (kind == "domain") return &domain;
      if (kind == "volume") return &volume;
      return nullptr;
    };
    return apply_plan(plan, linked_kinds(), actuators, hosts, quiet);
  }
  // The members whose update started, in order.
  std::vector<std::string> started() const {
    std::vector<std::string> out;
    for (const std::string& event : journal.events()) {
      if (event.starts_with("start update ")) out.push_back(event.substr(13));
    }
    return out;
  }
};

// `count` members of group web, spread over lab1 and lab2, each with an update of `impact`.
Plan group_updates(int count, int limit, Impact impact = Impact::restart) {
  std::vector<Change> changes;
  for (int i = 1; i <= count; ++i) {
    Change c = change(fmt::format("domain.web-{}@lab{}", i, 1 + i % 2), Action::update);
    c.impact = impact;
    c.group = "web";
    c.max_unavailable = limit;
    changes.push_back(c);
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.id < b.id; });
  return Plan("demo", std::move(changes));
}

const StepResult& result_for(const ApplyReport& report, const std::string& address) {
  for (const StepResult& r : report.results()) {
    if (r.id.address() == address) return r;
  }
  FAIL("no result for " << address);
  throw;
}

}  // namespace

TEST_CASE("apply roll: max_unavailable 1 restarts one member at a time, in member order, across hosts") {
  RollRig rig;
  rig.domain.delay(20ms);
  const ApplyReport report = rig.apply(group_updates(3, 1));
  CHECK(report.ok());
  CHECK(rig.journal.max_running() == 1);
  CHECK(rig.started() ==
        std::vector<std::string>{"domain.web-1@lab2", "domain.web-2@lab1", "domain.web-3@lab2"});
}

TEST_CASE("apply roll: max_unavailable 2 of 5 never has more than 2 members down, and uses both") {
  RollRig rig;
  rig.domain.delay(60ms);
  const ApplyReport report = rig.apply(group_updates(5, 2));
  CHECK(report.ok());
  CHECK(rig.journal.max_running() == 2);
  CHECK(rig.started().size() == 5);
}

TEST_CASE("apply roll: a failed member stops the roll, the rest are left untouched and the report says so") {
  RollRig rig;
  rig.domain.fail("update", "domain.web-2@lab1");
  const ApplyReport report = rig.apply(group_updates(4, 1));
  CHECK_FALSE(report.ok());
  CHECK(rig.started() == std::vector<std::string>{"domain.web-1@lab2", "domain.web-2@lab1"});
  CHECK(result_for(report, "domain.web-1@lab2").status == StepStatus::done);
  CHECK(result_for(report, "domain.web-2@lab1").status == StepStatus::failed);
  for (const char* left : {"domain.web-3@lab2", "domain.web-4@lab1"}) {
    INFO(left);
    CHECK(result_for(report, left).status == StepStatus::skipped);
    CHECK(result_for(report, left).reason ==
          "left untouched: the roll of group web stopped when domain.web-2@lab1 failed");
  }
  CHECK(report.errors() ==
        std::vector<std::string>{"rolling web stopped: done web-1; failed web-2; left web-3, web-4"});
}

TEST_CASE("apply roll: with max_unavailable 2, failures let the running members finish and start no other") {
  RollRig rig;
  rig.domain.delay(100ms).fail("update", "domain.web-1@lab2").fail("update", "domain.web-2@lab1");
  const ApplyReport report = rig.apply(group_updates(4, 2));
  auto started = rig.started();  // side by side, in either order
  std::sort(started.begin(), started.end());
  CHECK(started == std::vector<std::string>{"domain.web-1@lab2", "domain.web-2@lab1"});
  CHECK(result_for(report, "domain.web-3@lab2").status == StepStatus::skipped);
  CHECK(report.errors() ==
        std::vector<std::string>{"rolling web stopped: done none; failed web-1, web-2; left web-3, web-4"});
}

TEST_CASE("apply roll: live changes of members are not serialised") {
  RollRig rig;
  rig.domain.delay(100ms);
  const ApplyReport report = rig.apply(group_updates(3, 1, Impact::live));
  CHECK(report.ok());
  CHECK(rig.journal.max_running() == 3);
}

TEST_CASE("apply roll: a member skipped for a failed dependency does not hold up the next") {
  RollRig rig;
  rig.volume.fail("create", "volume.r-1@lab2");
  Plan plan = group_updates(2, 1);
  std::vector<Change> changes = plan.changes();
  changes.push_back(change("volume.r-1@lab2", Action::create));
  changes[0].after = needing({"volume.r-1"});  // domain.web-1@lab2 needs its new volume
  changes[0].before = changes[0].after;
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.id < b.id; });
  const ApplyReport report = rig.apply(Plan("demo", changes));
  CHECK(result_for(report, "domain.web-1@lab2").status == StepStatus::skipped);
  CHECK(result_for(report, "domain.web-2@lab1").status == StepStatus::done);
}
