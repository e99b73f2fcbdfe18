// host_allocations(): a host's size with this stack's domains apart from the
// others, as `virtplan hosts` shows them, in words and as JSON.

#include "cli/host_allocation.h"
#include "cli/kinds.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;

TEST_CASE("host allocation: owned and foreign domains apart, pools' space, as text and JSON") {
  constexpr std::uint64_t mib = 1024ull * 1024;
  auto domain = [](const std::string& name, int vcpus, std::uint64_t memory, Ownership owner) {
    return ObservedObject{
        {"domain", name, "h1"},
        {{"vcpus", {{"current", vcpus}, {"max", vcpus}}}, {"memory", {{"current", memory}, {"max", memory}}}},
        owner,
        ""};
  };
  ObservedState observed;
  observed.objects.push_back(domain("web", 2, 512 * mib, Ownership::ours));
  observed.objects.push_back(domain("other", 1, 256 * mib, Ownership::foreign));
  observed.objects.push_back(domain("hand", 4, 1024 * mib, Ownership::unowned));
  const std::map<std::string, NodeSize> nodes{
      {"h1", {8, 16384 * mib, {{"default", {2048 * mib, 1024 * mib}}}}}};
  const auto hosts = virtplan::cli::host_allocations(observed, nodes, virtplan::cli::kind_lookup());
  REQUIRE(hosts.size() == 1);
  const auto& h1 = hosts.at("h1");
  CHECK(virtplan::cli::allocation_lines(h1) ==
        std::vector<std::string>{
            "8 CPUs, 16 GiB; owned: 1 domain, 2 vCPUs, 512 MiB; foreign: 2 domains, 5 vCPUs, 1.2 GiB",
            "pool default: 1 GiB of 2 GiB free"});
  const auto json = virtplan::cli::allocation_json(h1);
  CHECK(json["owned"]["memory"] == 512 * mib);
  CHECK(json["foreign"]["domains"] == 2);
  CHECK(json["pools"]["default"]["available"] == 1024 * mib);
}
