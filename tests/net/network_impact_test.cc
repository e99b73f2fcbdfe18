// Which network changes are live (net-update) and which need a restart, and
// that update_xml changes only managed fields.

#include "net/network_kind.h"
#include "tests/net/kind_fixture.h"

namespace virtplan::net {
namespace {

using nlohmann::json;
using providers::Impact;

TEST_CASE("network impact: DHCP hosts, range, DNS hosts and autostart are live") {
  NetworkKind kind;
  CHECK(kind.impact("/ipv4/dhcp/hosts/52:54:00:00:00:10", json(), json{{"ip", "10.0.0.2"}}) == Impact::live);
  CHECK(kind.impact("/ipv4/dhcp/hosts/52:54:00:00:00:10/ip", "10.0.0.2", "10.0.0.3") == Impact::live);
  CHECK(kind.impact("/ipv4/dhcp/range", "10.0.0.2-10.0.0.9", "10.0.0.2-10.0.0.19") == Impact::live);
  CHECK(kind.impact("/dns/hosts/10.0.0.2", json(), json::array({"a"})) == Impact::live);
  CHECK(kind.impact("/autostart", true, false) == Impact::live);
}

TEST_CASE("network impact: bridge, subnet, mode, mtu and domain need a restart") {
  NetworkKind kind;
  CHECK(kind.impact("/bridge", "vp0", "vp1") == Impact::restart);
  CHECK(kind.impact("/ipv4/address", "10.0.0.1/24", "10.0.0.1/16") == Impact::restart);
  CHECK(kind.impact("/mode", "nat", "route") == Impact::restart);
  CHECK(kind.impact("/mtu", json(), 9000) == Impact::restart);
  CHECK(kind.impact("/domain", "a", "b") == Impact::restart);
  CHECK(kind.impact("/ipv4/dhcp", json(), json{{"hosts", json::object()}}) == Impact::restart);
}

TEST_CASE("network impact of a subtree is its worst field") {
  NetworkKind kind;
  json before = {{"address", "10.0.0.1/24"},
                 {"dhcp", {{"range", "10.0.0.2-10.0.0.9"}, {"hosts", json::object()}}}};
  json live = before;
  live["dhcp"]["range"] = "10.0.0.2-10.0.0.99";
  CHECK(kind.impact("/ipv4", before, live) == Impact::live);
  json restart = live;
  restart["address"] = "10.0.0.1/25";
  CHECK(kind.impact("/ipv4", before, restart) == Impact::restart);
  CHECK(kind.impact("/ipv4", before, before) == Impact::none);
}

TEST_CASE("network reconcile takes the bridge libvirt named") {
  NetworkKind kind;
  json desired = {{"mode", "nat"}};
  CHECK(kind.reconcile(desired, {{"mode", "nat"}, {"bridge", "virbr1"}}) ==
        json{{"mode", "nat"}, {"bridge", "virbr1"}});
  json named = {{"mode", "nat"}, {"bridge", "vp0"}};
  CHECK(kind.reconcile(named, {{"bridge", "virbr1"}}) == named);
}

}  // namespace
}  // namespace virtplan::net

namespace virtplan::net {
namespace {

TEST_CASE("network update_xml keeps DHCP hosts without a MAC and IPv6 DNS hosts") {
  NetworkKind kind;
  auto parsed = test::parse_object(kind, "n", R"(
ipv4:
  address: 10.5.0.1/24
  dhcp: {hosts: [{mac: "52:54:00:00:05:02", ip: 10.5.0.2}]}
)");
  REQUIRE(parsed.messages().empty());
  auto xml = kind.update_xml(R"(<network>
  <name>n</name>
  <uuid>9e1b2b8e-51b4-4c0a-8f0e-3f3b6c1f0a11</uuid>
  <forward mode='nat'/>
  <dns>
    <host ip='10.5.0.9'><hostname>old</hostname></host>
    <host ip='fd00::9'><hostname>six</hostname></host>
  </dns>
  <ip address='10.5.0.1' prefix='24'>
    <dhcp>
      <host mac='52:54:00:00:05:01' ip='10.5.0.3'/>
      <host name='by-name' ip='10.5.0.4'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00::1' prefix='64'/>
</network>)",
                             parsed.object);
  REQUIRE(xml.has_value());
  test::check_golden("tests/net/golden/update-keeps-unmanaged.xml", *xml);
}

}  // namespace
}  // namespace virtplan::net
