// Ipv4Address and DhcpRange: the one IPv4 parser, shared by the network kind
// (net/) and replica groups' address ranges (planner/replica_groups.cc).

#include "providers/base/dhcp_range.h"
#include "providers/base/ipv4_address.h"

#include <catch2/catch.hpp>

using virtplan::providers::DhcpRange;
using virtplan::providers::Ipv4Address;

TEST_CASE("Ipv4Address reads dotted quads and prints them back") {
  auto address = Ipv4Address::parse("10.77.0.1");
  REQUIRE(address);
  CHECK(address->value() == 0x0a4d0001u);
  CHECK(address->str() == "10.77.0.1");
  CHECK(Ipv4Address(0xffffffffu).str() == "255.255.255.255");
}

TEST_CASE("Ipv4Address refuses what is not four decimal octets") {
  for (const char* text : {"", "10.0.0", "10.0.0.0.1", "10.0.0.256", "010.0.0.1", "10.0.0.a", " 10.0.0.1",
                           "10.0.0.1 ", "10..0.1", "-1.0.0.1"}) {
    INFO(text);
    CHECK_FALSE(Ipv4Address::parse(text));
  }
}

TEST_CASE("DhcpRange reads FIRST-LAST with FIRST <= LAST") {
  auto range = DhcpRange::parse("10.0.0.10-10.0.0.50");
  REQUIRE(range);
  CHECK(range->end.value() - range->start.value() == 40);
  CHECK(range->str() == "10.0.0.10-10.0.0.50");
  CHECK(DhcpRange::parse("10.0.0.7-10.0.0.7"));
  CHECK_FALSE(DhcpRange::parse("10.0.0.50-10.0.0.10"));
  CHECK_FALSE(DhcpRange::parse("10.0.0.10"));
  CHECK_FALSE(DhcpRange::parse("10.0.0.10-"));
}
