// parse_domifaddr() on what `virsh -q domifaddr --source lease` printed on a
// lab host (data/domifaddr-lease.txt), and on the agent's output, IPv6 and
// continuation lines included.

#include "providers/virsh/domifaddr.h"
#include "tests/support/kind_fixture.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

using Rows = std::vector<InterfaceAddress>;

TEST_CASE("parse_domifaddr reads the lease addresses of real domifaddr output") {
  const std::string captured =
      virtplan::test::read_file(virtplan::test::source_path("tests/providers/data/domifaddr-lease.txt"));
  CHECK(parse_domifaddr(captured) == Rows{{"52:54:00:7a:61:01", "ipv4", "10.79.0.148"}});
  CHECK(parse_domifaddr("").empty());
}

TEST_CASE("parse_domifaddr reads IPv4 and IPv6, and gives a continuation line its NIC's MAC") {
  const std::string agent =
      " lo     00:00:00:00:00:00    ipv4   127.0.0.1/8\n"
      " eth0   52:54:00:AA:00:01    ipv4   192.168.177.50/24\n"
      " -      -                    ipv6   fd00::5/64\n"
      " -      -                    other  x\n"
      "\n";
  CHECK(parse_domifaddr(agent) == Rows{{"00:00:00:00:00:00", "ipv4", "127.0.0.1"},
                                       {"52:54:00:aa:00:01", "ipv4", "192.168.177.50"},
                                       {"52:54:00:aa:00:01", "ipv6", "fd00::5"}});
}

}  // namespace
}  // namespace virtplan::providers
