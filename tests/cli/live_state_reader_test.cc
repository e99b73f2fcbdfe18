// LiveStateReader's rounds (providers/domifaddr_test.cc reads what `virsh -q
// domifaddr --source lease` printed on a lab host).

#include "cli/live_state_reader.h"
#include "tests/support/kind_fixture.h"

#include <catch2/catch.hpp>

namespace virtplan::cli {
namespace {

using providers::Result;

TEST_CASE("LiveStateReader asks for leases of running domains only, in the second round") {
  auto reading = LiveStateReader().start({});
  auto first = reading->next_round({});
  REQUIRE(first.size() == 3);
  CHECK(first[2] == providers::VirshArgs{"list", "--name", "--state-running"});
  auto second = reading->next_round(
      {Result<std::string>("lan\n"), Result<std::string>("images   \n"), Result<std::string>("web\n")});
  REQUIRE(second.size() == 1);
  CHECK(second[0] == providers::VirshArgs{"domifaddr", "--source", "lease", "--domain", "web"});
  CHECK(
      reading->next_round({Result<std::string>(" vnet0  52:54:00:00:00:10  ipv4  10.77.0.10/24\n")}).empty());
  auto objects = reading->finish();
  REQUIRE(objects.has_value());
  REQUIRE(objects->size() == 3);
  CHECK((*objects)[0].name == "domain:web");
  CHECK((*objects)[0].spec["addresses"] == nlohmann::json::array({"10.77.0.10"}));
  CHECK((*objects)[1].name == "network:lan");
  CHECK((*objects)[2].name == "pool:images");
}

TEST_CASE("LiveStateReader fails when a listing fails") {
  auto reading = LiveStateReader().start({});
  reading->next_round({});
  auto none = reading->next_round(
      {Result<std::string>(std::unexpected(providers::Error(providers::ErrorCode::other, "boom"))),
       Result<std::string>(""), Result<std::string>("")});
  CHECK(none.empty());
  CHECK_FALSE(reading->finish().has_value());
}

}  // namespace
}  // namespace virtplan::cli
