#include "planner/destroy_plan.h"

#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;

namespace {

ObservedObject observed(const std::string& address, Ownership ownership,
                        nlohmann::json spec = nlohmann::json::object()) {
  return ObservedObject{id_of(address), std::move(spec), ownership,
                        ownership == Ownership::foreign ? "other" : ""};
}

ObservedState lab() {
  ObservedState state;
  state.objects = {observed("pool.p@lab1", Ownership::ours),
                   observed("volume.root@lab1", Ownership::ours, needing({"pool.p"})),
                   observed("volume.data@lab1", Ownership::ours, needing({"pool.p"})),
                   observed("volume.hand@lab1", Ownership::unowned, needing({"pool.p"})),
                   observed("domain.web@lab1", Ownership::ours, needing({"volume.root"})),
                   observed("domain.db@lab1", Ownership::foreign, needing({"volume.data"})),
                   observed("network.lan@lab2", Ownership::ours)};
  return state;
}

std::vector<std::string> destroyed_addresses(const Plan& plan) {
  std::vector<std::string> out;
  for (const Change& c : plan.changes()) {
    CHECK(c.action == Action::destroy);
    CHECK(c.after.is_null());
    out.push_back(c.id.address());
  }
  return out;
}

}  // namespace

TEST_CASE("destroy plan: every owned object on every host, nothing else") {
  auto plan = destroy_plan("demo", lab(), linked_kinds());
  REQUIRE(plan);
  CHECK(plan->stack() == "demo");
  CHECK(destroyed_addresses(*plan) == std::vector<std::string>{"domain.web@lab1", "network.lan@lab2",
                                                               "pool.p@lab1", "volume.data@lab1",
                                                               "volume.root@lab1"});
  CHECK(plan->changes()[4].before == needing({"pool.p"}));
}

TEST_CASE("destroy plan: a pool target takes its owned volumes and the owned domains using them") {
  auto plan = destroy_plan("demo", lab(), linked_kinds(), {id_of("pool.p@lab1")});
  REQUIRE(plan);
  CHECK(destroyed_addresses(*plan) ==
        std::vector<std::string>{"domain.web@lab1", "pool.p@lab1", "volume.data@lab1", "volume.root@lab1"});
}

TEST_CASE("destroy plan: a domain target is destroyed alone") {
  auto plan = destroy_plan("demo", lab(), linked_kinds(), {id_of("domain.web@lab1")});
  REQUIRE(plan);
  CHECK(destroyed_addresses(*plan) == std::vector<std::string>{"domain.web@lab1"});
}

TEST_CASE("destroy plan: a target the stack does not own is an error") {
  auto plan = destroy_plan("demo", lab(), linked_kinds(), {id_of("volume.hand@lab1")});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message() ==
        "volume.hand@lab1: not owned by stack 'demo' (or its host could not be read); nothing to destroy");
}
