// Rolling changes of replica groups (planner/rolling.h, issue 20): which
// member changes roll, in which order, how the plan shows them, and how a
// saved plan keeps them.

#include "planner/rolling.h"

#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;
using virtplan::providers::Impact;

namespace {

// A change of a member of group `group` (max_unavailable `limit`).
Change member(const std::string& address, Action action, Impact impact = Impact::restart,
              const std::string& group = "web", int limit = 1) {
  Change c = change(address, action);
  c.impact = action == Action::update ? impact : Impact::none;
  c.group = group;
  c.max_unavailable = limit;
  if (action == Action::migrate) c.destination = "lab2";
  return c;
}

}  // namespace

TEST_CASE("rolling: restarts, replaces and migrates of members roll, in member order, the rest does not") {
  const std::vector<Change> changes = {
      member("domain.web-10@lab1", Action::update),
      member("domain.web-2@lab1", Action::replace),
      member("domain.web-1@lab2", Action::migrate),
      member("domain.web-3@lab1", Action::update, Impact::live),
      member("domain.web-4@lab1", Action::update, Impact::config),
      member("domain.web-5@lab1", Action::create),
      member("domain.web-6@lab1", Action::destroy),
      change("domain.solo@lab1", Action::replace),
      member("domain.db-1@lab1", Action::update, Impact::restart, "db", 2),
  };
  const auto rolls = rolls_of(changes);
  REQUIRE(rolls.size() == 2);
  CHECK(rolls[0] == Roll{"db", 2, {id_of("domain.db-1@lab1")}});
  CHECK(
      rolls[1] ==
      Roll{"web", 1, {id_of("domain.web-1@lab2"), id_of("domain.web-2@lab1"), id_of("domain.web-10@lab1")}});
  CHECK(roll_line(rolls[1]) == "rolling: web-1, web-2, web-10 (max_unavailable 1)");
}

TEST_CASE(
    "rolling: the diff's changes of a group's domains carry the group, a migrate's by its destination") {
  const GroupMembers members = {{id_of("domain.web-1@lab1"), {"web", 2}},
                                {id_of("domain.web-2@lab2"), {"web", 2}}};
  std::vector<Change> changes = {change("domain.web-1@lab1", Action::update),
                                 change("domain.web-2@lab1", Action::migrate),
                                 change("domain.solo@lab1", Action::update)};
  changes[1].destination = "lab2";
  mark_group_members(changes, members);
  CHECK(changes[0].group == "web");
  CHECK(changes[0].max_unavailable == 2);
  CHECK(changes[1].group == "web");
  CHECK(changes[2].group.empty());
}

TEST_CASE("rolling: the plan text and JSON show the roll, and a saved plan keeps it") {
  const Plan plan("demo",
                  {member("domain.web-1@lab1", Action::update), member("domain.web-2@lab1", Action::update),
                   member("domain.web-3@lab1", Action::update)});
  const std::string text = render_plan_text(plan, linked_kinds());
  INFO(text);
  CHECK(text.find("  rolling: web-1, web-2, web-3 (max_unavailable 1)\n") != std::string::npos);
  const auto json = plan_to_json(plan, Secrets::kept);
  CHECK(json.at("rolls") == nlohmann::json::parse(R"([{"group": "web", "max_unavailable": 1,
      "members": ["domain.web-1@lab1", "domain.web-2@lab1", "domain.web-3@lab1"]}])"));
  auto read = plan_from_json(json);
  REQUIRE(read.has_value());
  CHECK(*read == plan);
  // Live changes of members do not roll: no line, no key.
  const Plan live("demo", {member("domain.web-1@lab1", Action::update, Impact::live)});
  CHECK(render_plan_text(live, linked_kinds()).find("rolling") == std::string::npos);
  CHECK_FALSE(plan_to_json(live, Secrets::kept).contains("rolls"));
}

TEST_CASE("rolling: a stopped roll's report line names the members done, failed and left") {
  const Roll roll{"web", 1, {}};
  CHECK(stopped_roll_line(roll, RollOutcome{{"web-1"}, {"web-2"}, {"web-3", "web-4"}}) ==
        "rolling web stopped: done web-1; failed web-2; left web-3, web-4");
  CHECK(stopped_roll_line(roll, RollOutcome{{}, {"web-1"}, {}}) ==
        "rolling web stopped: done none; failed web-1; left none");
  CHECK_FALSE(stopped_roll_line(roll, RollOutcome{{"web-1", "web-2"}, {}, {}}).has_value());
}
