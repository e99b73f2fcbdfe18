#include "planner/stale_plan.h"

#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;

namespace {

Plan saved_plan() {
  return Plan("demo", {change("domain.web@lab1", Action::update, {{"memory", 2}}, {{"memory", 1}}),
                       change("volume.root@lab1", Action::no_op, {{"capacity", 10}}),
                       change("network.lan@lab1", Action::create, {{"bridge", "br0"}})});
}

}  // namespace

TEST_CASE("stale plan: the same befores are not stale, whatever the fresh plan would do") {
  Plan fresh("demo", {change("domain.web@lab1", Action::update, {{"memory", 4}}, {{"memory", 1}}),
                      change("volume.root@lab1", Action::no_op, {{"capacity", 10}}),
                      change("network.lan@lab1", Action::create, {{"bridge", "br0"}})});
  CHECK(stale_objects(saved_plan(), fresh).empty());
  CHECK(check_not_stale(saved_plan(), fresh));
}

TEST_CASE("stale plan: a changed before is stale, with the message naming it") {
  Plan fresh("demo", {change("domain.web@lab1", Action::update, {{"memory", 2}}, {{"memory", 3}}),
                      change("volume.root@lab1", Action::no_op, {{"capacity", 10}}),
                      change("network.lan@lab1", Action::create, {{"bridge", "br0"}})});
  auto checked = check_not_stale(saved_plan(), fresh);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code() == virtplan::providers::ErrorCode::stale);
  CHECK(checked.error().message() ==
        "saved plan is stale: domain.web@lab1 changed since it was planned; run plan again");
}

TEST_CASE("stale plan: objects that appeared or disappeared on a host are stale, sorted") {
  Plan fresh("demo", {change("domain.web@lab1", Action::update, {{"memory", 2}}, {{"memory", 1}}),
                      // made by someone else since: it would now be an update, not a create
                      change("network.lan@lab1", Action::update, {{"bridge", "br0"}}, {{"bridge", "br1"}})});
  // volume.root is gone from the host (and so from the fresh plan).
  auto stale = stale_objects(saved_plan(), fresh);
  REQUIRE(stale.size() == 2);
  CHECK(stale[0].address() == "network.lan@lab1");
  CHECK(stale[1].address() == "volume.root@lab1");
  CHECK(
      check_not_stale(saved_plan(), fresh).error().message() ==
      "saved plan is stale: network.lan@lab1, volume.root@lab1 changed since it was planned; run plan again");
}

TEST_CASE("stale plan: a plan of another stack is refused") {
  Plan fresh("other", saved_plan().changes());
  auto checked = check_not_stale(saved_plan(), fresh);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().message() == "saved plan is of stack 'demo', not 'other'");
}
