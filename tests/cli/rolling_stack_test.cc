// A replica group's `max_unavailable:` as the real kinds load it (issue 20,
// planner/rolling.h): every member domain carries its group and the limit
// (1 when not said), its volumes do not, and a wrong value is an error at
// its place.

#include "cli/kinds.h"
#include "cli/stack_plans.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::planner::GroupMember;
using virtplan::planner::Stack;
using virtplan::providers::Diagnostics;
using virtplan::providers::StackObject;

Stack load_roll_text(const std::string& text, Diagnostics& diags) {
  return virtplan::planner::StackLoader(virtplan::cli::kinds()).load({{"s.yaml", text}}, diags);
}

const StackObject& object_at(const Stack& stack, const std::string& address) {
  auto it = std::find_if(stack.objects.begin(), stack.objects.end(),
                         [&](const auto& o) { return o.id.address() == address; });
  REQUIRE(it != stack.objects.end());
  return *it;
}

std::string all_of(const Diagnostics& diags) {
  std::string all;
  for (const auto& d : diags.sorted()) all += d.str() + "\n";
  return all;
}

}  // namespace

TEST_CASE("rolling stack: members carry their group and max_unavailable, 1 when not said") {
  Diagnostics diags;
  const Stack stack = load_roll_text(
      "stack: fleet\nhosts:\n  h1: {address: local}\n"
      "pools:\n  img: {host: h1, type: dir, path: /var/lib/virtplan/img}\n"
      "volumes:\n  root: {host: h1, pool: img, capacity: 1GiB, per_member: true}\n"
      "domains:\n"
      "  web: {host: h1, count: 2, max_unavailable: 2, memory: 64MiB, disks: [{volume: root}]}\n"
      "  db: {host: h1, count: 1, memory: 64MiB}\n"
      "  solo: {host: h1, memory: 64MiB}\n",
      diags);
  INFO(all_of(diags));
  REQUIRE(diags.empty());
  for (const char* address : {"domain.web-1@h1", "domain.web-2@h1"}) {
    INFO(address);
    CHECK(stack.group_members.at(object_at(stack, address).id) == GroupMember{"web", 2});
    CHECK_FALSE(object_at(stack, address).spec.contains("max_unavailable"));
  }
  CHECK(stack.group_members.at(object_at(stack, "domain.db-1@h1").id) == GroupMember{"db", 1});
  // Only the members: not a lone domain, not a member's volume.
  CHECK(stack.group_members.size() == 3);
}

TEST_CASE("rolling stack: apply's diff marks each member's change with its group and max_unavailable") {
  Diagnostics diags;
  const Stack stack = load_roll_text(
      "stack: fleet\nhosts:\n  h1: {address: local}\n"
      "domains:\n"
      "  web: {host: h1, count: 2, max_unavailable: 2, memory: 64MiB}\n"
      "  solo: {host: h1, memory: 64MiB}\n",
      diags);
  REQUIRE(diags.empty());
  const auto result = virtplan::cli::diff_reached(stack, {});
  for (const auto& change : result.plan.changes()) {
    INFO(change.id.address());
    CHECK(change.group == (change.id.name == "solo" ? "" : "web"));
    CHECK(change.max_unavailable == (change.id.name == "solo" ? 0 : 2));
  }
  CHECK(result.plan.changes().size() == 3);
}

TEST_CASE(
    "rolling stack: a max_unavailable below 1, not a number, or outside a group is an error at its place") {
  Diagnostics diags;
  load_roll_text(
      "stack: fleet\nhosts:\n  h1: {address: local}\n"
      "domains:\n"
      "  a: {host: h1, count: 2, memory: 64MiB, max_unavailable: 0}\n"
      "  b: {host: h1, count: 2, memory: 64MiB, max_unavailable: two}\n"
      "  c: {host: h1, memory: 64MiB, max_unavailable: 1}\n",
      diags);
  const std::string all = all_of(diags);
  INFO(all);
  CHECK(all.find(
            "s.yaml:5:59: domain.a: max_unavailable 0 is out of range: expected an integer of at least 1") !=
        std::string::npos);
  CHECK(all.find("s.yaml:6:59: domain.b:") != std::string::npos);
  CHECK(all.find("s.yaml:7:49: domain.c: max_unavailable is for replica groups (a domain with count:)") !=
        std::string::npos);
}
