// Replica groups as the real kinds load them (issue 20): `count: N` makes
// NAME-1 ... NAME-N, each with its own per_member volumes, its own MACs and
// its DHCP address from the group's range; scaling changes no existing
// member; misuses are errors at their place.

#include "cli/kinds.h"
#include "planner/replica_groups.h"
#include "planner/stack_loader.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::planner::Stack;
using virtplan::providers::Diagnostics;
using virtplan::providers::StackObject;

Stack load_group_text(const std::string& text, Diagnostics& diags) {
  return virtplan::planner::StackLoader(virtplan::cli::kinds()).load({{"s.yaml", text}}, diags);
}

const StackObject* group_object(const Stack& stack, const std::string& address) {
  auto it = std::find_if(stack.objects.begin(), stack.objects.end(),
                         [&](const auto& o) { return o.id.address() == address; });
  return it == stack.objects.end() ? nullptr : &*it;
}

std::string group_stack(int count) {
  return fmt::format(
      "stack: fleet\nhosts:\n  h1: {{address: local}}\n  h2: {{address: ssh://root@h2.example.net}}\n"
      "pools:\n  img: {{hosts: all, type: dir, path: /var/lib/virtplan/img}}\n"
      "networks:\n  lan:\n    hosts: all\n    mode: nat\n"
      "    ipv4: {{address: 10.9.0.1/24, dhcp: {{range: 10.9.0.100-10.9.0.199}}}}\n"
      "volumes:\n  base: {{hosts: all, pool: img, capacity: 1GiB}}\n"
      "  root: {{host: auto, pool: img, capacity: 2GiB, backing: base, per_member: true}}\n"
      "domains:\n  web:\n    count: {}\n    host: auto\n    memory: 256MiB\n"
      "    disks: [{{volume: root}}]\n    interfaces: [{{network: lan}}, {{bridge: br0}}]\n"
      "    addresses: {{network: lan, range: 10.9.0.10-10.9.0.19}}\n",
      count);
}

}  // namespace

TEST_CASE("replica group: count makes numbered members, each with its own volume, MACs and address") {
  Diagnostics diags;
  const Stack stack = load_group_text(group_stack(3), diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  CHECK(group_object(stack, "domain.web@h1") == nullptr);
  const auto* lan = group_object(stack, "network.lan@h1");
  REQUIRE(lan != nullptr);
  const auto& dhcp = lan->spec["ipv4"]["dhcp"]["hosts"];
  CHECK(dhcp.size() == 3);
  for (int i = 1; i <= 3; ++i) {
    const std::string member = fmt::format("web-{}", i);
    INFO(member);
    const auto* domain = group_object(stack, fmt::format("domain.{}@h1", member));
    REQUIRE(domain != nullptr);
    CHECK(domain->spec["disks"]["vda"]["volume"] == fmt::format("root-{}", i));
    const auto* volume = group_object(stack, fmt::format("volume.root-{}@h1", i));
    REQUIRE(volume != nullptr);
    CHECK(volume->spec["backing"] == "base");
    const std::string mac = virtplan::planner::member_mac("fleet", member, 0);
    CHECK(domain->spec["interfaces"].contains(mac));
    CHECK(domain->spec["interfaces"].contains(virtplan::planner::member_mac("fleet", member, 1)));
    REQUIRE(dhcp.contains(mac));
    CHECK(dhcp[mac]["ip"] == fmt::format("10.9.0.{}", 9 + i));
    CHECK(dhcp[mac]["name"] == member);
    REQUIRE(stack.auto_placed.contains(member));
    CHECK(stack.auto_placed.at(member).group == "web");
  }
  CHECK(group_object(stack, "volume.root@h1") == nullptr);
  CHECK(group_object(stack, "domain.web-4@h1") == nullptr);
}

TEST_CASE("replica group: scaling up or down leaves every remaining member exactly as it was") {
  Diagnostics diags;
  const Stack two = load_group_text(group_stack(2), diags);
  const Stack four = load_group_text(group_stack(4), diags);
  const Stack one = load_group_text(group_stack(1), diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  for (const char* address : {"domain.web-1@h1", "domain.web-2@h1", "volume.root-1@h1", "volume.root-2@h1"}) {
    INFO(address);
    REQUIRE(group_object(two, address) != nullptr);
    REQUIRE(group_object(four, address) != nullptr);
    CHECK(group_object(two, address)->spec == group_object(four, address)->spec);
  }
  CHECK(group_object(four, "domain.web-4@h1") != nullptr);
  CHECK(group_object(one, "domain.web-1@h1")->spec == group_object(two, "domain.web-1@h1")->spec);
  CHECK(group_object(one, "domain.web-2@h1") == nullptr);
  CHECK(group_object(one, "volume.root-2@h1") == nullptr);
  CHECK(group_object(one, "network.lan@h1")->spec["ipv4"]["dhcp"]["hosts"].size() == 1);
}

TEST_CASE("replica group: a member MAC is the same on every run and differs between members and stacks") {
  using virtplan::planner::member_mac;
  CHECK(member_mac("fleet", "web-1", 0) == member_mac("fleet", "web-1", 0));
  CHECK(member_mac("fleet", "web-1", 0) != member_mac("fleet", "web-2", 0));
  CHECK(member_mac("fleet", "web-1", 0) != member_mac("fleet", "web-1", 1));
  CHECK(member_mac("other", "web-1", 0) != member_mac("fleet", "web-1", 0));
  CHECK(member_mac("fleet", "web-1", 0).starts_with("52:54:"));
  CHECK(member_mac("fleet", "web-1", 0).size() == 17);
}

TEST_CASE("replica group: misuses are errors at their place") {
  Diagnostics diags;
  load_group_text(
      "stack: fleet\nhosts:\n  h1: {address: local}\n"
      "pools:\n  img: {host: h1, type: dir, path: /var/lib/virtplan/img}\n"
      "networks:\n  lan: {host: h1, mode: nat, ipv4: {address: 10.9.0.1/24}}\n"
      "volumes:\n  lonely: {host: h1, pool: img, capacity: 1GiB, per_member: true}\n"
      "domains:\n"
      "  a: {host: h1, count: 1001}\n"
      "  b: {host: h1, count: 3, memory: 64MiB, interfaces: [{network: lan}], addresses: {network: lan, range: "
      "10.9.0.10-10.9.0.11}}\n"
      "  c: {host: h1, count: 2, memory: 64MiB, interfaces: [{network: lan}], addresses: {network: wan, range: "
      "10.9.0.10-10.9.0.19}}\n"
      "  d: {host: h1, count: 2, memory: 64MiB, addresses: {network: lan, range: 10.9.0.30}}\n"
      "  e: {host: h1, count: 2, memory: 64MiB}\n"
      "  e-2: {host: h1, memory: 64MiB}\n"
      "  f: {host: h1, count: 1}\n",
      diags);
  std::string all;
  for (const auto& d : diags.sorted()) all += d.str() + "\n";
  INFO(all);
  CHECK(all.find("s.yaml:11:24: domain.a: count 1001 is out of range: expected 0 to 1000") !=
        std::string::npos);
  CHECK(all.find("the range holds 2 addresses, fewer than count 3") != std::string::npos);
  CHECK(all.find("addresses on network wan, but no interface of the group is on it") != std::string::npos);
  CHECK(all.find("invalid address range '10.9.0.30'") != std::string::npos);
  CHECK(all.find("volume 'lonely' is per_member, but no replica group's disks name it") != std::string::npos);
  CHECK(
      all.find(
          "domain 'e-2' is declared twice: as a member of replica group e (at s.yaml:15:3) and at s.yaml:16:3") !=
      std::string::npos);
  // What is said of a member's own map is said at the group's name, not at 1:1.
  CHECK(all.find("s.yaml:17:3: domain.f-1: memory is required") != std::string::npos);
}

TEST_CASE("replica group: a group on a named host puts every member there, and count 0 makes none") {
  Diagnostics diags;
  const Stack stack = load_group_text(
      "stack: fleet\nhosts:\n  h1: {address: local}\n"
      "domains:\n  w: {host: h1, count: 2, memory: 64MiB}\n  z: {host: h1, count: 0, memory: 64MiB}\n",
      diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  CHECK(group_object(stack, "domain.w-1@h1") != nullptr);
  CHECK(group_object(stack, "domain.w-2@h1") != nullptr);
  CHECK(std::none_of(stack.objects.begin(), stack.objects.end(),
                     [](const auto& o) { return o.id.name.starts_with("z"); }));
}
