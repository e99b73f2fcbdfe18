#include "planner/apply_graph.h"

#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;

namespace {

// The graph's order as addresses.
std::vector<std::string> order_of(const ApplyGraph& graph) {
  std::vector<std::string> out;
  for (std::size_t i : graph.order()) out.push_back(graph.step(i).id.address());
  return out;
}

std::vector<std::string> needs_of(const ApplyGraph& graph, const std::string& address) {
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (graph.step(i).id.address() != address) continue;
    std::vector<std::string> out;
    for (std::size_t d : graph.dependencies(i)) out.push_back(graph.step(d).id.address());
    return out;
  }
  FAIL("no step " << address);
  return {};
}

}  // namespace

TEST_CASE("apply graph: creates go pool, volume, domain and network before domain") {
  Plan plan("demo", {change("domain.web@lab1", Action::create, needing({"volume.root", "network.lan"})),
                     change("network.lan@lab1", Action::create), change("pool.p@lab1", Action::create),
                     change("volume.root@lab1", Action::create, needing({"pool.p"}))});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE(graph);
  CHECK(needs_of(*graph, "domain.web@lab1") ==
        std::vector<std::string>{"network.lan@lab1", "volume.root@lab1"});
  CHECK(needs_of(*graph, "volume.root@lab1") == std::vector<std::string>{"pool.p@lab1"});
  CHECK(needs_of(*graph, "pool.p@lab1").empty());
  CHECK(order_of(*graph) ==
        std::vector<std::string>{"network.lan@lab1", "pool.p@lab1", "volume.root@lab1", "domain.web@lab1"});
}

TEST_CASE("apply graph: a step's height is the longest chain from it to the end, itself included") {
  Plan creates("demo", {change("domain.web@lab1", Action::create, needing({"volume.root", "network.lan"})),
                        change("network.lan@lab1", Action::create), change("pool.p@lab1", Action::create),
                        change("volume.root@lab1", Action::create, needing({"pool.p"}))});
  auto graph = ApplyGraph::build(creates, linked_kinds());
  REQUIRE(graph);
  // In address order: domain, network, pool, volume.
  CHECK(graph->heights() == std::vector<std::size_t>{1, 2, 3, 2});

  Plan destroys("demo", {change("pool.p@lab1", Action::destroy),
                         change("volume.root@lab1", Action::destroy, needing({"pool.p"})),
                         change("domain.web@lab1", Action::destroy, needing({"volume.root"}))});
  auto reverse = ApplyGraph::build(destroys, linked_kinds());
  REQUIRE(reverse);
  CHECK(reverse->heights() == std::vector<std::size_t>{3, 1, 2});
}

TEST_CASE("apply graph: destroys run in reverse, domain then volume then pool") {
  Plan plan("demo", {change("domain.web@lab1", Action::destroy, needing({"volume.root"})),
                     change("pool.p@lab1", Action::destroy),
                     change("volume.root@lab1", Action::destroy, needing({"pool.p"}))});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE(graph);
  CHECK(needs_of(*graph, "pool.p@lab1") == std::vector<std::string>{"volume.root@lab1"});
  CHECK(needs_of(*graph, "volume.root@lab1") == std::vector<std::string>{"domain.web@lab1"});
  CHECK(order_of(*graph) == std::vector<std::string>{"domain.web@lab1", "volume.root@lab1", "pool.p@lab1"});
}

TEST_CASE("apply graph: an update that stops using a network runs before the network's destroy") {
  Plan plan("demo", {change("domain.web@lab1", Action::update, needing({}), needing({"network.old"})),
                     change("network.old@lab1", Action::destroy)});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE(graph);
  CHECK(needs_of(*graph, "network.old@lab1") == std::vector<std::string>{"domain.web@lab1"});
}

TEST_CASE("apply graph: an overlay migrating away leaves its old host before its base there is destroyed") {
  Change domain = change("domain.web@lab1", Action::migrate, needing({"volume.top"}));
  domain.destination = "lab2";
  domain.observed = needing({"volume.top"});
  Change top = change("volume.top@lab1", Action::migrate);
  top.destination = "lab2";
  top.moves_with = "domain.web@lab1";
  top.observed = needing({"volume.base"});
  Plan plan("demo", {domain, change("volume.base@lab1", Action::destroy), top});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE(graph);
  CHECK(needs_of(*graph, "volume.top@lab1") == std::vector<std::string>{"domain.web@lab1"});
  CHECK(needs_of(*graph, "volume.base@lab1") == std::vector<std::string>{"volume.top@lab1"});
}

TEST_CASE("apply graph: no-ops are not steps and add no edges, other hosts are separate") {
  Plan plan("demo", {change("domain.web@lab1", Action::create, needing({"volume.root"})),
                     change("volume.root@lab1", Action::no_op), change("volume.root@lab2", Action::create)});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE(graph);
  CHECK(graph->size() == 2);
  CHECK(needs_of(*graph, "domain.web@lab1").empty());
}

TEST_CASE("apply graph: a cycle is an error that names it") {
  Plan plan("demo", {change("volume.a@lab1", Action::create, needing({"volume.b"})),
                     change("volume.b@lab1", Action::create, needing({"volume.a"})),
                     change("pool.p@lab1", Action::create)});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE_FALSE(graph);
  CHECK(graph.error().message() == "dependency cycle: volume.a@lab1 -> volume.b@lab1 -> volume.a@lab1");
}

TEST_CASE("apply graph: an unknown kind is an error naming the object") {
  Plan plan("demo", {change("gadget.x@lab1", Action::create)});
  auto graph = ApplyGraph::build(plan, linked_kinds());
  REQUIRE_FALSE(graph);
  CHECK(graph.error().message() == "gadget.x@lab1: unknown kind 'gadget'");
}
