// `host: auto` as the real kinds load it (issue 20, placement): the domain on
// its provisional host, or on the host placement chose; its `placement:`
// read; a `host: auto` volume and the cloud-init seed with their domain; the
// hosts' limits; and the placement stage's stickiness and host sizes.

#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "planner/placement_stage.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::planner::Stack;
using virtplan::providers::Diagnostics;

const std::string k_two_hosts =
    "stack: demo\nhosts:\n  h2: {address: local, cpu_overcommit: 2, memory_overcommit: 1.5, reserved_memory: 1GiB}\n"
    "  h1: {address: ssh://root@h1.example.net}\n"
    "pools:\n  img: {hosts: all, type: dir, path: /var/lib/virtplan/img}\n";

Stack load_text(const std::string& text, Diagnostics& diags,
                const std::map<std::string, std::string>& placed = {}) {
  return virtplan::planner::StackLoader(virtplan::cli::kinds()).load({{"s.yaml", text}}, diags, placed);
}

bool has_address(const Stack& stack, const std::string& address) {
  return std::any_of(stack.objects.begin(), stack.objects.end(),
                     [&](const auto& o) { return o.id.address() == address; });
}

const std::string k_placed_web =
    "volumes:\n  root: {host: auto, pool: img, capacity: 1GiB}\n"
    "domains:\n  web:\n    host: auto\n    vcpus: 2\n    memory: 1GiB\n"
    "    placement: {hosts: [h2, h1], strategy: pack, anti_affinity: front, affinity: data}\n"
    "    disks: [{volume: root}]\n"
    "    cloud_init: {user_data: {hostname: web}}\n";

}  // namespace

TEST_CASE("host: auto: the domain, its volume and its seed sit on the first candidate until placed") {
  Diagnostics diags;
  const Stack stack = load_text(k_two_hosts + k_placed_web, diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  CHECK(has_address(stack, "domain.web@h1"));
  CHECK(has_address(stack, "volume.root@h1"));
  CHECK(has_address(stack, "volume.web-cidata@h1"));
  REQUIRE(stack.auto_placed.contains("web"));
  const auto& request = stack.auto_placed.at("web");
  CHECK(request.hosts == std::vector<std::string>{"h2", "h1"});
  CHECK(request.strategy == virtplan::planner::PlacementStrategy::pack);
  CHECK(request.anti_affinity == "front");
  CHECK(request.affinity == "data");
  CHECK(stack.hosts.at("h2").cpu_overcommit == 2.0);
  CHECK(stack.hosts.at("h2").memory_overcommit == 1.5);
  CHECK(stack.hosts.at("h2").reserved_memory == 1024ull * 1024 * 1024);
}

TEST_CASE("host: auto: loaded with a placement, the domain, its volume and its seed go to that host") {
  Diagnostics diags;
  const Stack stack = load_text(k_two_hosts + k_placed_web, diags, {{"web", "h2"}});
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  CHECK(has_address(stack, "domain.web@h2"));
  CHECK(has_address(stack, "volume.root@h2"));
  CHECK(has_address(stack, "volume.web-cidata@h2"));
  CHECK_FALSE(has_address(stack, "domain.web@h1"));
}

TEST_CASE("host: auto: misuses are errors at their place") {
  Diagnostics diags;
  load_text(k_two_hosts +
                "networks:\n  lan: {host: auto, mode: nat, ipv4: {address: 10.9.0.1/24}}\n"
                "volumes:\n  lonely: {host: auto, pool: img, capacity: 1GiB}\n"
                "domains:\n  a: {host: h1, memory: 64MiB, placement: {strategy: pack}}\n"
                "  b: {host: auto, memory: 64MiB, placement: {strategy: fill, hosts: [h9], colour: red}}\n",
            diags);
  std::string all;
  for (const auto& d : diags.sorted()) all += d.str() + "\n";
  INFO(all);
  CHECK(all.find("'host: auto' is for domains and their volumes, not a network") != std::string::npos);
  CHECK(all.find("volume.lonely: 'host: auto' goes with the domain whose disks use it, and no domain's do") !=
        std::string::npos);
  CHECK(all.find("'placement' needs 'host: auto'") != std::string::npos);
  CHECK(all.find("host 'h9' is not declared") != std::string::npos);
  CHECK(all.find("fill") != std::string::npos);
  CHECK(all.find("unknown key 'colour'") != std::string::npos);
}

TEST_CASE("host: auto: a host's limits must be ratios and sizes") {
  Diagnostics diags;
  load_text(
      "stack: demo\nhosts:\n  h1: {address: local, cpu_overcommit: lots, memory_overcommit: 0, "
      "reserved_memory: 2XB}\n",
      diags);
  std::string all;
  for (const auto& d : diags.sorted()) all += d.str() + "\n";
  INFO(all);
  CHECK(all.find("'cpu_overcommit' must be a ratio") != std::string::npos);
  CHECK(all.find("'memory_overcommit' must be a ratio") != std::string::npos);
  CHECK(all.find("2XB") != std::string::npos);
}

TEST_CASE(
    "placement stage: an owned domain stays where it is, and new ones count every domain a host holds") {
  using namespace virtplan::planner;
  Diagnostics diags;
  const Stack stack = load_text(k_two_hosts +
                                    "domains:\n  old: {host: auto, memory: 1GiB}\n"
                                    "  new: {host: auto, memory: 1GiB}\n",
                                diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  constexpr std::uint64_t gib = 1024ull * 1024 * 1024;
  auto domain = [](const std::string& name, const std::string& host, std::uint64_t memory, Ownership owner) {
    return ObservedObject{
        {"domain", name, host},
        {{"vcpus", {{"current", 1}, {"max", 1}}}, {"memory", {{"current", memory}, {"max", memory}}}},
        owner,
        ""};
  };
  ObservedState observed;
  // `old` is ours on h1, the fuller host: it stays there.
  observed.objects.push_back(domain("old", "h1", 1 * gib, Ownership::ours));
  observed.objects.push_back(domain("foreign", "h1", 6 * gib, Ownership::unowned));
  const std::map<std::string, NodeSize> nodes{{"h1", {4, 8 * gib, {}}}, {"h2", {4, 8 * gib, {}}}};
  const StackPlacement placed = place_stack(stack, observed, nodes, virtplan::cli::kind_lookup());
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("old") == "h1");
  CHECK(placed.hosts.at("new") == "h2");
  REQUIRE(placed.chosen.size() == 1);
  // h2: 8 GiB x 1.5 - 1 GiB reserved
  CHECK(placed.chosen[0].why == "11.0 of 11 GiB free, spread");
}

TEST_CASE("nodeinfo: CPUs and memory in KiB, as virsh prints them") {
  const auto size = virtplan::cli::parse_nodeinfo(
      "CPU model:           x86_64\nCPU(s):              2\nCPU frequency:       2999 MHz\n"
      "Memory size:         24576000 KiB\n");
  REQUIRE(size);
  CHECK(size->cpus == 2);
  CHECK(size->memory == 24576000ull * 1024);
  CHECK_FALSE(virtplan::cli::parse_nodeinfo("error: nothing"));
}

TEST_CASE("pool-info --bytes: capacity and available, as virsh prints them") {
  const auto space = virtplan::cli::parse_pool_info(
      "Name:           default\nUUID:           1b2c\nState:          running\nPersistent:     yes\n"
      "Autostart:      yes\nCapacity:       105088212992\nAllocation:     26254790656\n"
      "Available:      78833422336\n");
  REQUIRE(space);
  CHECK(space->capacity == 105088212992ull);
  CHECK(space->available == 78833422336ull);
  CHECK_FALSE(virtplan::cli::parse_pool_info("error: failed to get pool 'x'"));
}

TEST_CASE(
    "placement stage: the host: auto volumes a domain's disks name weigh against its pools' free space") {
  using namespace virtplan::planner;
  Diagnostics diags;
  const Stack stack = load_text(k_two_hosts +
                                    "volumes:\n  big: {host: auto, pool: img, capacity: 10GiB}\n"
                                    "domains:\n  web: {host: auto, memory: 1GiB, disks: [{volume: big}]}\n",
                                diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  constexpr std::uint64_t gib = 1024ull * 1024 * 1024;
  // h2 has far more memory free, but only 3 GiB in its pool img.
  const std::map<std::string, NodeSize> nodes{{"h1", {4, 8 * gib, {{"img", {100 * gib, 50 * gib}}}}},
                                              {"h2", {4, 64 * gib, {{"img", {100 * gib, 3 * gib}}}}}};
  const StackPlacement placed = place_stack(stack, ObservedState{}, nodes, virtplan::cli::kind_lookup());
  REQUIRE(placed.errors.empty());
  CHECK(placed.hosts.at("web") == "h1");
  const std::map<std::string, NodeSize> full{{"h1", {4, 8 * gib, {{"img", {100 * gib, 1 * gib}}}}},
                                             {"h2", {4, 64 * gib, {{"img", {100 * gib, 3 * gib}}}}}};
  const StackPlacement none = place_stack(stack, ObservedState{}, full, virtplan::cli::kind_lookup());
  REQUIRE(none.errors.size() == 1);
  CHECK(none.errors[0] ==
        "domain web: no host fits (h1: pool img has 1.0 GiB free, needs 10.0 GiB; h2: pool img "
        "has 3.0 GiB free, needs 10.0 GiB)");
}
