#include "planner/placement.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace virtplan::planner;

namespace {

constexpr std::uint64_t k_placement_gib = 1024ull * 1024 * 1024;

HostCapacity placement_host(std::string name, int cpus, std::uint64_t memory_gib, std::uint64_t used_gib = 0,
                            int used_vcpus = 0) {
  HostCapacity out;
  out.name = std::move(name);
  out.cpus = cpus;
  out.memory = memory_gib * k_placement_gib;
  out.used_memory = used_gib * k_placement_gib;
  out.used_vcpus = used_vcpus;
  return out;
}

PlacementRequest placement_want(std::string domain, int vcpus, std::uint64_t memory_gib,
                                PlacementStrategy strategy = PlacementStrategy::spread) {
  PlacementRequest out;
  out.domain = std::move(domain);
  out.vcpus = vcpus;
  out.memory = memory_gib * k_placement_gib;
  out.strategy = strategy;
  return out;
}

std::string placed_host_of(const PlacementResult& result, const std::string& domain) {
  for (const auto& placed : result.placed) {
    if (placed.domain == domain) return placed.host;
  }
  return "(not placed)";
}

}  // namespace

TEST_CASE("placement: spread takes the host with the most memory free, and says why") {
  auto result = place_domains({placement_host("h1", 8, 16, 12), placement_host("h2", 8, 16, 10)},
                              {placement_want("web", 1, 2)}, {});
  REQUIRE(result.errors.empty());
  REQUIRE(result.placed.size() == 1);
  CHECK(result.placed[0].host == "h2");
  CHECK(result.placed[0].why == "6.0 of 16 GiB free, spread");
}

TEST_CASE("placement: pack takes the fullest host that still fits") {
  std::vector<HostCapacity> hosts{placement_host("h1", 8, 16, 12), placement_host("h2", 8, 16, 10),
                                  placement_host("h3", 8, 16, 15)};
  auto result = place_domains(hosts, {placement_want("web", 1, 2, PlacementStrategy::pack)}, {});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "web") == "h1");  // h3 has 1 GiB free: too little
  CHECK(result.placed[0].why == "4.0 of 16 GiB free, pack");
}

TEST_CASE("placement: each choice sees the ones before it, in domain name order") {
  // Spread alternates as each placement fills the host it chose.
  auto result =
      place_domains({placement_host("h1", 8, 16), placement_host("h2", 8, 16)},
                    {placement_want("c", 1, 4), placement_want("a", 1, 4), placement_want("b", 1, 4)}, {});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "a") == "h1");  // a tie: the first host by name
  CHECK(placed_host_of(result, "b") == "h2");
  CHECK(placed_host_of(result, "c") == "h1");
  CHECK(result.placed[0].domain == "a");
}

TEST_CASE("placement: ties go to the host whose name sorts first, whatever the input order") {
  auto one = place_domains({placement_host("h2", 8, 16), placement_host("h1", 8, 16)},
                           {placement_want("web", 1, 1)}, {});
  auto two = place_domains({placement_host("h1", 8, 16), placement_host("h2", 8, 16)},
                           {placement_want("web", 1, 1)}, {});
  CHECK(placed_host_of(one, "web") == "h1");
  CHECK(placed_host_of(two, "web") == "h1");
  CHECK(one.placed[0].why == two.placed[0].why);
}

TEST_CASE("placement: anti-affinity puts no two members of a group on one host") {
  auto a = placement_want("web-1", 1, 1);
  auto b = placement_want("web-2", 1, 1);
  a.anti_affinity = b.anti_affinity = "web";
  // h1 is far freer: spread alone would put both there.
  auto result = place_domains({placement_host("h1", 8, 64), placement_host("h2", 8, 16)}, {a, b}, {});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "web-1") == "h1");
  CHECK(placed_host_of(result, "web-2") == "h2");
}

TEST_CASE("placement: anti-affinity counts members already placed (sticky ones)") {
  auto b = placement_want("web-2", 1, 1);
  b.anti_affinity = "web";
  auto result = place_domains({placement_host("h1", 8, 64), placement_host("h2", 8, 16)}, {b},
                              {{"web-1", "h1", "web", ""}});
  CHECK(placed_host_of(result, "web-2") == "h2");
}

TEST_CASE("placement: affinity puts a member where its group is, even on a fuller host") {
  auto a = placement_want("app", 1, 1);
  a.affinity = "db";
  auto result = place_domains({placement_host("h1", 8, 64), placement_host("h2", 8, 16)}, {a},
                              {{"db", "h2", "", "db"}});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "app") == "h2");

  // Two new members: the second follows the first.
  auto x = placement_want("x", 1, 1);
  auto y = placement_want("y", 1, 1);
  x.affinity = y.affinity = "pair";
  auto both = place_domains({placement_host("h1", 8, 16), placement_host("h2", 8, 16)}, {x, y}, {});
  CHECK(placed_host_of(both, "x") == placed_host_of(both, "y"));
}

TEST_CASE("placement: overcommit and reserved memory scale what a host allows") {
  HostCapacity small = placement_host("h1", 2, 8);
  SECTION("without overcommit 4 vCPUs do not fit 2 CPUs") {
    auto result = place_domains({small}, {placement_want("web", 4, 1)}, {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "domain web: no host fits (h1: 2 of 2 vCPUs free, needs 4)");
  }
  SECTION("cpu_overcommit 2 lets them") {
    small.cpu_overcommit = 2.0;
    CHECK(placed_host_of(place_domains({small}, {placement_want("web", 4, 1)}, {}), "web") == "h1");
  }
  SECTION("memory_overcommit 1.5 makes 8 GiB hold 12") {
    small.memory_overcommit = 1.5;
    auto result = place_domains({small}, {placement_want("web", 1, 11)}, {});
    CHECK(placed_host_of(result, "web") == "h1");
    CHECK(result.placed[0].why == "12.0 of 12 GiB free, spread");
  }
  SECTION("reserved_memory is kept for the host") {
    small.reserved_memory = 2 * k_placement_gib;
    auto result = place_domains({small}, {placement_want("web", 1, 7)}, {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "domain web: no host fits (h1: 6.0 of 6 GiB memory free, needs 7.0 GiB)");
  }
}

TEST_CASE("placement: when nothing fits, the error names each host and what it lacks") {
  auto a = placement_want("web-2", 2, 4);
  a.anti_affinity = "web";
  a.hosts = {"h3", "h1", "h2"};
  auto result = place_domains({placement_host("h1", 8, 16, 14), placement_host("h2", 8, 16),
                               placement_host("h3", 2, 16, 0, 2), placement_host("h4", 8, 64)},
                              {a}, {{"web-1", "h2", "web", ""}});
  REQUIRE(result.placed.empty());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] ==
        "domain web-2: no host fits (h1: 2.0 of 16 GiB memory free, needs 4.0 GiB; "
        "h2: holds web-1 of anti-affinity group web; h3: 0 of 2 vCPUs free, needs 2)");
}

TEST_CASE("placement: placement.hosts limits the candidates") {
  auto a = placement_want("web", 1, 1);
  a.hosts = {"h2"};
  auto result = place_domains({placement_host("h1", 8, 64), placement_host("h2", 8, 16)}, {a}, {});
  CHECK(placed_host_of(result, "web") == "h2");
}

TEST_CASE("placement: the same inventory gives the same answer") {
  std::vector<HostCapacity> hosts;
  for (int i = 0; i < 10; ++i) hosts.push_back(placement_host("h" + std::to_string(i), 16, 64, i % 3));
  std::vector<PlacementRequest> requests;
  for (int i = 0; i < 50; ++i)
    requests.push_back(placement_want("d" + std::to_string(i), 1 + i % 3, 1 + i % 5));
  auto first = place_domains(hosts, requests, {});
  std::reverse(hosts.begin(), hosts.end());
  std::reverse(requests.begin(), requests.end());
  auto second = place_domains(hosts, requests, {});
  REQUIRE(first.placed.size() == second.placed.size());
  for (std::size_t i = 0; i < first.placed.size(); ++i) {
    CHECK(first.placed[i].domain == second.placed[i].domain);
    CHECK(first.placed[i].host == second.placed[i].host);
    CHECK(first.placed[i].why == second.placed[i].why);
  }
}

TEST_CASE("placement: a replica group's members go to the hosts holding the fewest of the group") {
  // h1 is far freer: spread alone would put every member there.
  std::vector<HostCapacity> hosts{placement_host("h1", 64, 64), placement_host("h2", 64, 16)};
  std::vector<PlacementRequest> wants;
  for (const char* name : {"web-3", "web-4"}) {
    wants.push_back(placement_want(name, 1, 1));
    wants.back().group = "web";
  }
  // web-1 and web-2 exist, both on h1 (placed when h2 was full).
  const std::vector<PlacedMember> settled{{"web-1", "h1", "", "", "web"}, {"web-2", "h1", "", "", "web"}};
  auto result = place_domains(hosts, wants, settled);
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "web-3") == "h2");
  CHECK(placed_host_of(result, "web-4") == "h2");
  CHECK(result.placed[0].why == "16.0 of 16 GiB free, spread, 0 of group web there");
  CHECK(result.placed[1].why == "15.0 of 16 GiB free, spread, 1 of group web there");
  // Without a group, the freer host wins.
  wants[0].group.clear();
  wants[1].group.clear();
  auto ungrouped = place_domains(hosts, wants, settled);
  CHECK(placed_host_of(ungrouped, "web-3") == "h1");
}

TEST_CASE("placement: a host whose pool lacks space for the domain's volumes is not chosen, and says so") {
  // h2 is freer in memory, but its pool `default` has 3 GiB free.
  HostCapacity h1 = placement_host("h1", 8, 16, 8);
  h1.pool_free["default"] = 50 * k_placement_gib;
  HostCapacity h2 = placement_host("h2", 8, 16);
  h2.pool_free["default"] = 3 * k_placement_gib;
  PlacementRequest want = placement_want("web", 1, 1);
  want.pool_needs["default"] = 10 * k_placement_gib;
  auto result = place_domains({h1, h2}, {want}, {});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "web") == "h1");
  // A second domain sees the first's volumes taken from h1's pool.
  PlacementRequest big = placement_want("web2", 1, 1);
  big.pool_needs["default"] = 45 * k_placement_gib;
  auto full = place_domains({h1, h2}, {want, big}, {});
  REQUIRE(full.errors.size() == 1);
  CHECK(full.errors[0] ==
        "domain web2: no host fits (h1: pool default has 40.0 GiB free, needs 45.0 GiB; h2: pool default has "
        "3.0 GiB free, needs 45.0 GiB)");
  // A pool whose space is not known (not running yet) is not weighed.
  PlacementRequest elsewhere = placement_want("web3", 1, 1);
  elsewhere.pool_needs["other"] = 1000 * k_placement_gib;
  CHECK(place_domains({h1, h2}, {elsewhere}, {}).errors.empty());
}

TEST_CASE("placement: a host in maintenance takes nothing, however free, and says so when nothing fits") {
  HostCapacity h1 = placement_host("h1", 8, 64);
  h1.maintenance = true;
  auto result = place_domains({h1, placement_host("h2", 8, 16, 12)}, {placement_want("web", 1, 2)}, {});
  REQUIRE(result.errors.empty());
  CHECK(placed_host_of(result, "web") == "h2");
  auto none = place_domains({h1, placement_host("h2", 8, 16, 15)}, {placement_want("web", 1, 2)}, {});
  REQUIRE(none.errors.size() == 1);
  CHECK(none.errors[0] ==
        "domain web: no host fits (h1: in maintenance; h2: 1.0 of 16 GiB memory free, needs 2.0 GiB)");
  CHECK(none.unplaced == std::vector<std::string>{"web"});
}
