// parse_xml() and update_xml() on what a real libvirt 9.0 printed: each
// example network was defined from its golden XML on a lab host and read back
// with `virsh net-dumpxml --inactive` into tests/net/data (vp-nat-live.xml is
// the active network's XML, with the NAT port range libvirt adds).

#include "net/network_kind.h"
#include "net/network_xml.h"
#include "tests/net/kind_fixture.h"
#include "tests/net/network_examples.h"

namespace virtplan::net {
namespace {

using nlohmann::json;
using test::network_examples;
using test::parse_object;
using test::read_file;
using test::source_path;

std::string data(const std::string& name) {
  return read_file(source_path("tests/net/data/" + name + ".xml"));
}

// The desired spec as the planner compares it: what libvirt assigned filled
// in, and autostart (read with net-list, not from the XML) set as observed.
json desired_as_compared(const NetworkKind& kind, const json& desired, json observed) {
  observed["autostart"] = desired["autostart"];
  return kind.reconcile(desired, observed);
}

TEST_CASE("network parse_xml of real net-dumpxml equals the desired spec in every mode") {
  NetworkKind kind;
  for (const auto& example : network_examples()) {
    INFO(example.name);
    auto parsed = parse_object(kind, example.name, example.yaml);
    auto observed = kind.parse_xml(data(example.name));
    REQUIRE(observed.has_value());
    json with_autostart = *observed;
    with_autostart["autostart"] = parsed.object.spec["autostart"];
    CHECK(desired_as_compared(kind, parsed.object.spec, *observed).dump(2) == with_autostart.dump(2));
  }
}

TEST_CASE("network parse_xml ignores the NAT port range of an active network") {
  NetworkKind kind;
  auto inactive = kind.parse_xml(data("vp-nat"));
  auto live = kind.parse_xml(data("vp-nat-live"));
  REQUIRE(inactive.has_value());
  REQUIRE(live.has_value());
  CHECK(*live == *inactive);
}

TEST_CASE("network parse_xml reads libvirt's own default network (netmask, no owner)") {
  NetworkKind kind;
  auto spec = kind.parse_xml(data("default"));
  REQUIRE(spec.has_value());
  CHECK(
      spec->dump() ==
      R"({"bridge":"virbr0","dns":{"hosts":{}},"ipv4":{"address":"192.168.122.1/24","dhcp":{"hosts":{},"range":"192.168.122.2-192.168.122.254"}},"mode":"nat"})");
  auto document = providers::XmlDocument::parse(data("default"));
  REQUIRE(document.has_value());
  CHECK(read_network_owner(*document) == std::nullopt);
}

TEST_CASE("network update_xml keeps what libvirt assigned and changes managed fields") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "vp-nat", R"(
mode: nat
bridge: vp-nat0
domain: lan
ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.77.0.100-10.77.0.150
    hosts:
      - {mac: "52:54:00:00:00:12", ip: 10.77.0.12, name: app}
dns:
  hosts:
    - {ip: 10.77.0.12, names: [app.lan]}
)");
  REQUIRE(parsed.messages().empty());
  auto xml = kind.update_xml(data("vp-nat-live"), parsed.object);
  REQUIRE(xml.has_value());
  test::check_golden("tests/net/golden/vp-nat-updated.xml", *xml);
  CHECK(xml->find("<uuid>f2e40ab6-87eb-4b61-b74c-b3eac751ddd0</uuid>") != std::string::npos);
  CHECK(xml->find("<mac address=\"52:54:00:8f:29:39\"/>") != std::string::npos);
  CHECK(xml->find("stp=\"on\" delay=\"0\"") != std::string::npos);
  CHECK(xml->find("<port start=\"1024\" end=\"65535\"/>") != std::string::npos);
  CHECK(xml->find("mtu") == std::string::npos);
  auto spec = kind.parse_xml(*xml);
  REQUIRE(spec.has_value());
  json want = parsed.object.spec;
  want.erase("autostart");
  CHECK(spec->dump(2) == want.dump(2));
  CHECK(test::schema_problems("network.rng", *xml) == std::vector<std::string>{});
}

// Found by the corpus (tests/corpus/networks/leasetime-hours.xml): a
// redefine rewrote every DHCP range and host and lost their lease times.
TEST_CASE("network update_xml keeps the lease times inside a declared DHCP range and host") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "vp-lease", R"(
mode: nat
bridge: vp-lease1
ipv4:
  address: 10.79.0.1/24
  dhcp:
    range: 10.79.0.100-10.79.0.150
    hosts:
      - {mac: "52:54:00:00:00:12", ip: 10.79.0.12, name: app}
)");
  REQUIRE(parsed.messages().empty());
  const std::string defined = R"(<network>
  <name>vp-lease</name>
  <forward mode='nat'/>
  <bridge name='vp-lease0' stp='on' delay='0'/>
  <ip address='10.79.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.79.0.100' end='10.79.0.150'>
        <lease expiry='1' unit='hours'/>
      </range>
      <host mac='52:54:00:00:00:12' name='app' ip='10.79.0.12'>
        <lease expiry='2' unit='hours'/>
      </host>
      <host mac='52:54:00:00:00:13' ip='10.79.0.13'/>
    </dhcp>
  </ip>
</network>)";
  auto xml = kind.update_xml(defined, parsed.object);
  REQUIRE(xml.has_value());
  CHECK(xml->find("<bridge name=\"vp-lease1\"") != std::string::npos);
  CHECK(xml->find("<lease expiry=\"1\" unit=\"hours\"/>") != std::string::npos);
  CHECK(xml->find("<lease expiry=\"2\" unit=\"hours\"/>") != std::string::npos);
  CHECK(xml->find("52:54:00:00:00:13") == std::string::npos);  // no longer declared
  auto spec = kind.parse_xml(*xml);
  REQUIRE(spec.has_value());
  json want = parsed.object.spec;
  want.erase("autostart");
  CHECK(spec->dump(2) == want.dump(2));
}

TEST_CASE("network update_xml to another mode drops what the old mode had") {
  NetworkKind kind;
  auto routed = parse_object(kind, "vp-nat", "mode: route\nbridge: vp-nat0\nipv4: {address: 10.77.0.1/24}\n");
  auto xml = kind.update_xml(data("vp-nat-live"), routed.object);
  REQUIRE(xml.has_value());
  CHECK(xml->find("<nat>") == std::string::npos);
  CHECK(xml->find("<dhcp>") == std::string::npos);
  CHECK(xml->find("<dns>") == std::string::npos);
  auto isolated = parse_object(kind, "vp-route", "mode: isolated\nbridge: vp-route0\n");
  xml = kind.update_xml(data("vp-route"), isolated.object);
  REQUIRE(xml.has_value());
  CHECK(xml->find("<forward") == std::string::npos);
  CHECK(xml->find("<ip") == std::string::npos);
  CHECK(test::schema_problems("network.rng", *xml) == std::vector<std::string>{});
}

}  // namespace
}  // namespace virtplan::net
