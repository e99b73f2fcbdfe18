// MacAddress: one rule for every MAC a stack or a host gives, domains' and
// networks' alike.

#include "providers/base/mac_address.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("a MAC reads with ':' or '-' in either case and prints as libvirt does") {
  CHECK(MacAddress::parse("52:54:00:AA:00:01")->str() == "52:54:00:aa:00:01");
  CHECK(MacAddress::parse("52-54-00-aa-00-01")->str() == "52:54:00:aa:00:01");
  CHECK_FALSE(MacAddress::parse("52:54:00:aa:00").has_value());
  CHECK_FALSE(MacAddress::parse("52:54:00:zz:00:01").has_value());
  CHECK_FALSE(MacAddress::parse("52.54.00.aa.00.01").has_value());
  CHECK(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
  CHECK_FALSE(MacAddress::parse("52:54:00:00:00:01")->is_multicast());
}

TEST_CASE("a NIC's MAC is refused when it is not one, or when it is a multicast address") {
  CHECK(MacAddress::read_nic("52:54:00:AA:00:01")->str() == "52:54:00:aa:00:01");
  CHECK(MacAddress::read_nic("52:54:00:zz:00:01").error() ==
        "invalid MAC address '52:54:00:zz:00:01': expected six hex pairs like 52:54:00:12:34:56");
  CHECK(MacAddress::read_nic("01:54:00:00:00:01").error() ==
        "invalid MAC address '01:54:00:00:00:01': it is a multicast address");
}

}  // namespace
}  // namespace virtplan::providers
