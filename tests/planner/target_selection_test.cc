#include "planner/target_selection.h"

#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;

namespace {

std::vector<std::string> addresses(const Plan& plan) {
  std::vector<std::string> out;
  for (const Change& c : plan.changes()) out.push_back(c.id.address());
  return out;
}

Plan full_plan() {
  return Plan(
      "demo",
      {change("pool.p@lab1", Action::create), change("volume.root@lab1", Action::create, needing({"pool.p"})),
       change("network.lan@lab1", Action::update),
       change("domain.web@lab1", Action::create, needing({"volume.root", "network.lan"})),
       change("domain.db@lab1", Action::create, needing({"volume.root"})),
       change("domain.old@lab1", Action::destroy, needing({"volume.gone"})),
       change("volume.gone@lab1", Action::destroy), change("volume.same@lab1", Action::no_op)});
}

}  // namespace

TEST_CASE("target selection: a domain takes the changes it needs, transitively, and nothing else") {
  auto plan = select_targets(full_plan(), {id_of("domain.web@lab1")}, linked_kinds());
  REQUIRE(plan);
  CHECK(addresses(*plan) ==
        std::vector<std::string>{"domain.web@lab1", "network.lan@lab1", "pool.p@lab1", "volume.root@lab1"});
}

TEST_CASE("target selection: a volume's destroy takes the destroys of the domains using it") {
  auto plan = select_targets(full_plan(), {id_of("volume.gone@lab1")}, linked_kinds());
  REQUIRE(plan);
  CHECK(addresses(*plan) == std::vector<std::string>{"domain.old@lab1", "volume.gone@lab1"});
}

TEST_CASE("target selection: several targets, and a target with nothing to do stays as a no-op") {
  auto plan = select_targets(full_plan(), {id_of("pool.p@lab1"), id_of("volume.same@lab1")}, linked_kinds());
  REQUIRE(plan);
  CHECK(addresses(*plan) == std::vector<std::string>{"pool.p@lab1", "volume.same@lab1"});
  CHECK(plan->summary().unchanged == 1);
}

TEST_CASE("target selection: a target not in the plan is an error naming it") {
  auto plan = select_targets(full_plan(), {id_of("domain.nope@lab1")}, linked_kinds());
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message() == "--target domain.nope@lab1: the stack neither declares nor owns it");
}
