#include "providers/object_address.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using virtplan::providers::ObjectId;
using virtplan::providers::parse_address;

TEST_CASE("parse_address reads KIND.NAME@HOST, names may hold dots") {
  CHECK(parse_address("domain.web@lab1") == ObjectId{"domain", "web", "lab1"});
  CHECK(parse_address("volume.web.qcow2@hv-2") == ObjectId{"volume", "web.qcow2", "hv-2"});
  CHECK(parse_address("domain.web@lab1")->address() == "domain.web@lab1");
}

TEST_CASE("parse_address refuses what is not an address, with an example") {
  for (const char* bad : {"", "web@lab1", "domain.web", ".web@lab1", "domain.@lab1", "domain.web@", "domainweb"}) {
    const auto id = parse_address(bad);
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().message() ==
          fmt::format("'{}': not an object address; expected KIND.NAME@HOST, e.g. domain.web@lab1", bad));
  }
}
