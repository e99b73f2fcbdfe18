// When a placed domain leaves its host (issue 20: maintenance, --rebalance,
// a violated constraint), as the placement stage decides it over stacks the
// real kinds load: each rule of planner/placement_stage.h's table moves a
// domain and says which; without one, and without --rebalance, nothing
// moves; a domain pinned to a host in maintenance is refused by name.

#include "cli/kinds.h"
#include "planner/placement_stage.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

namespace {

using namespace virtplan::planner;
using virtplan::providers::Diagnostics;

constexpr std::uint64_t k_gib = 1024ull * 1024 * 1024;

// Three hosts; `extra` is added to h1's entry ("maintenance: true").
std::string three_hosts(const std::string& extra = "") {
  return "stack: demo\nhosts:\n  h1: {address: ssh://h1.example.net" + extra +
         "}\n  h2: {address: ssh://h2.example.net}\n  h3: {address: ssh://h3.example.net}\n";
}

Stack loaded(const std::string& text) {
  Diagnostics diags;
  Stack stack = StackLoader(virtplan::cli::kinds()).load({{"s.yaml", text}}, diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  return stack;
}

ObservedObject domain_on(const std::string& name, const std::string& host, std::uint64_t memory_gib,
                         Ownership owner = Ownership::ours) {
  const std::uint64_t memory = memory_gib * k_gib;
  return ObservedObject{
      {"domain", name, host},
      {{"vcpus", {{"current", 1}, {"max", 1}}}, {"memory", {{"current", memory}, {"max", memory}}}},
      owner,
      ""};
}

// Every host 4 CPUs and 8 GiB.
const std::map<std::string, NodeSize> k_nodes{
    {"h1", {4, 8 * k_gib, {}}}, {"h2", {4, 8 * k_gib, {}}}, {"h3", {4, 8 * k_gib, {}}}};

StackPlacement placed_with(const Stack& stack, const std::vector<ObservedObject>& objects,
                           PlacementMode mode = PlacementMode::sticky) {
  ObservedState observed;
  observed.objects = objects;
  std::sort(observed.objects.begin(), observed.objects.end(),
            [](const ObservedObject& a, const ObservedObject& b) { return a.id < b.id; });
  return place_stack(stack, observed, k_nodes, virtplan::cli::kind_lookup(), mode);
}

// Why the run moved `domain`, or "(stays)".
std::string moved_because(const StackPlacement& placed, const std::string& domain) {
  for (const auto& chosen : placed.chosen) {
    if (chosen.domain == domain) return chosen.moved;
  }
  return "(stays)";
}

}  // namespace

TEST_CASE("maintenance: a placed domain leaves the host, nothing new goes there, a pinned one is refused") {
  const Stack stack = loaded(three_hosts(", maintenance: true") +
                             "domains:\n  a: {host: auto, memory: 1GiB}\n  b: {host: auto, memory: 1GiB}\n"
                             "  c: {host: auto, memory: 1GiB}\n  pin: {host: h1, memory: 1GiB}\n"
                             "  mail: {host: h1, memory: 1GiB}\n  free: {host: h2, memory: 1GiB}\n");
  CHECK(stack.hosts.at("h1").maintenance);
  CHECK_FALSE(stack.hosts.at("h2").maintenance);
  // a is on h1, b on h2; c is new. h1 is the freest host once a is gone.
  const StackPlacement placed = placed_with(stack, {domain_on("a", "h1", 1), domain_on("b", "h2", 1)});
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("a") == "h3");
  CHECK(moved_because(placed, "a") == "maintenance on h1");
  CHECK(placed.hosts.at("b") == "h2");
  CHECK(moved_because(placed, "b") == "(stays)");
  CHECK(placed.hosts.at("c") == "h2");  // h2 and h3 have 7 GiB free each: the first by name
  CHECK(moved_because(placed, "c").empty());
  CHECK(maintenance_refusals(stack) ==
        std::vector<std::string>{
            "host h1 is in maintenance but domain.mail@h1, domain.pin@h1 are pinned to it: "
            "give them another host or `host: auto`, or end the maintenance"});
  CHECK(maintenance_refusals(loaded(three_hosts() + "domains:\n  pin: {host: h1, memory: 1GiB}\n")).empty());
}

TEST_CASE("maintenance: a domain that must leave and fits nowhere fails, saying why it must leave") {
  const Stack stack =
      loaded(three_hosts(", maintenance: true") + "domains:\n  a: {host: auto, memory: 4GiB}\n");
  const StackPlacement placed =
      placed_with(stack, {domain_on("a", "h1", 4), domain_on("x", "h2", 6, Ownership::unowned),
                          domain_on("y", "h3", 7, Ownership::unowned)});
  REQUIRE(placed.errors.size() == 1);
  CHECK(placed.errors[0] ==
        "domain a must leave h1 (maintenance on h1), but no host fits (h1: in maintenance; h2: 2.0 of 8 GiB "
        "memory free, needs 4.0 GiB; h3: 1.0 of 8 GiB memory free, needs 4.0 GiB)");
}

TEST_CASE("violated constraint: a host no longer in placement.hosts moves the domain without --rebalance") {
  const Stack stack =
      loaded(three_hosts() + "domains:\n  a: {host: auto, memory: 1GiB, placement: {hosts: [h2, h3]}}\n");
  const StackPlacement placed = placed_with(stack, {domain_on("a", "h1", 1)});
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("a") == "h2");
  CHECK(moved_because(placed, "a") == "h1 is no longer in placement.hosts");
}

TEST_CASE("violated constraint: two members of an anti-affinity group on one host, the later by name moves") {
  const Stack stack = loaded(three_hosts() +
                             "domains:\n  a1: {host: auto, memory: 1GiB, placement: {anti_affinity: grp}}\n"
                             "  a2: {host: auto, memory: 1GiB, placement: {anti_affinity: grp}}\n");
  const StackPlacement placed = placed_with(stack, {domain_on("a1", "h2", 1), domain_on("a2", "h2", 1)});
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("a1") == "h2");
  CHECK(moved_because(placed, "a1") == "(stays)");
  CHECK(placed.hosts.at("a2") == "h1");
  CHECK(moved_because(placed, "a2") == "anti-affinity group grp: a1 is on h2 too");
}

TEST_CASE("violated constraint: an affinity group split over hosts joins its first member") {
  const Stack stack = loaded(three_hosts() +
                             "domains:\n  d1: {host: auto, memory: 1GiB, placement: {affinity: db}}\n"
                             "  d2: {host: auto, memory: 1GiB, placement: {affinity: db}}\n");
  const StackPlacement placed = placed_with(stack, {domain_on("d1", "h3", 1), domain_on("d2", "h1", 1)});
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("d2") == "h3");
  CHECK(moved_because(placed, "d2") == "affinity group db is on h3 (d1)");
}

TEST_CASE("rebalance: every placed domain is placed again as if new, only those whose host differs move") {
  const Stack stack = loaded(three_hosts() +
                             "domains:\n  a: {host: auto, memory: 1GiB}\n"
                             "  b: {host: auto, memory: 1GiB}\n");
  // h1 is now the fullest (a foreign 6 GiB domain): a would not go there today.
  const std::vector<ObservedObject> objects{domain_on("a", "h1", 1), domain_on("b", "h3", 1),
                                            domain_on("f", "h1", 6, Ownership::unowned)};
  const StackPlacement sticky = placed_with(stack, objects);
  REQUIRE(sticky.errors.empty());
  CHECK(sticky.hosts.at("a") == "h1");
  CHECK(sticky.chosen.empty());
  const StackPlacement again = placed_with(stack, objects, PlacementMode::rebalance);
  REQUIRE(again.errors.empty());
  CHECK(again.hosts.at("a") == "h2");  // h2 and h3 are free, b left h3 too: the first by name
  CHECK(moved_because(again, "a") == "rebalance");
  CHECK(again.hosts.at("b") == "h3");  // placed again, where it was (h3 after a took h2): no move
  CHECK(moved_because(again, "b") == "(stays)");
  // The same inventory gives the same answer.
  CHECK(placed_with(stack, objects, PlacementMode::rebalance).hosts == again.hosts);
}

TEST_CASE("rebalance: a domain that fits nowhere as if new stays where it is, without an error") {
  const Stack stack = loaded(three_hosts() + "domains:\n  a: {host: auto, memory: 4GiB}\n");
  const StackPlacement placed =
      placed_with(stack,
                  {domain_on("a", "h1", 4), domain_on("x", "h1", 6, Ownership::unowned),
                   domain_on("y", "h2", 6, Ownership::unowned), domain_on("z", "h3", 6, Ownership::unowned)},
                  PlacementMode::rebalance);
  CHECK(placed.errors.empty());
  CHECK(placed.hosts.at("a") == "h1");
  CHECK(placed.chosen.empty());
}

TEST_CASE("sticky: a domain a half-done migration sends to another host is placed there") {
  const Stack stack = loaded(three_hosts() + "domains:\n  a: {host: auto, memory: 1GiB}\n");
  ObservedObject leaving = domain_on("a", "h1", 1);
  leaving.migrating_to = "h3";
  const StackPlacement placed = placed_with(stack, {leaving, domain_on("a", "h3", 1)});
  CHECK(placed.hosts.at("a") == "h3");
  CHECK(placed.chosen.empty());
}

TEST_CASE("the plan's migrate of a domain that leaves its host says why first, then where and how") {
  Change migrate;
  migrate.id = {"domain", "a", "h1"};
  migrate.action = Action::migrate;
  migrate.destination = "h3";
  migrate.reasons = {"offline, 0 B of disk copied"};
  Change created;
  created.id = {"domain", "c", "h2"};
  created.action = Action::create;
  const Plan plan("demo", {migrate, created});
  const Plan shown =
      with_placement_reasons(plan, {{"a", "h3", "8.0 of 8 GiB free, spread", "maintenance on h1"},
                                    {"c", "h2", "7.0 of 8 GiB free, spread"}});
  for (const Change& change : shown.changes()) {
    if (change.id.name == "a") {
      CHECK(change.reasons == std::vector<std::string>{"maintenance on h1", "→ h3: 8.0 of 8 GiB free, spread",
                                                       "offline, 0 B of disk copied"});
    } else {
      CHECK(change.reasons == std::vector<std::string>{"→ h2: 7.0 of 8 GiB free, spread"});
    }
  }
}

TEST_CASE("maintenance: the host key must be true or false") {
  Diagnostics diags;
  StackLoader(virtplan::cli::kinds())
      .load({{"s.yaml", "stack: demo\nhosts:\n  h1: {address: local, maintenance: sometimes}\n"}}, diags);
  std::string all;
  for (const auto& d : diags.sorted()) all += d.str() + "\n";
  INFO(all);
  CHECK(all.find("expected true or false") != std::string::npos);
}

TEST_CASE(
    "unread host: a host: auto domain found on no read host is not placed while a host it could be on is unread") {
  // Where a placed domain went is recorded only on that host: with h1 unread,
  // `a` may be there already, and placing it on h2 would make a second one.
  const Stack stack = loaded(three_hosts() +
                             "domains:\n  a: {host: auto, memory: 1GiB}\n"
                             "  b: {host: auto, memory: 1GiB, placement: {hosts: [h2, h3]}}\n"
                             "  c: {host: auto, memory: 1GiB}\n");
  ObservedState observed;
  observed.objects = {domain_on("c", "h2", 1)};
  observed.unread.emplace("h1", virtplan::providers::Error("connection refused"));
  const StackPlacement placed = place_stack(stack, observed, k_nodes, virtplan::cli::kind_lookup());
  REQUIRE(placed.errors.size() == 1);
  CHECK(
      placed.errors[0] ==
      "domain a: not placed while h1 could not be read: a placed domain is recorded only on its host, so it "
      "may be there already; plan again once it answers, or give the domain a host");
  CHECK_FALSE(placed.hosts.contains("a"));
  // b cannot go to h1, so h1 being unread says nothing about it; c is known.
  CHECK(placed.hosts.at("b") == "h3");
  CHECK(placed.hosts.at("c") == "h2");
}
