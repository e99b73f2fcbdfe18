// Golden XML for every network mode, validated against libvirt's schema, and
// read back into the same spec.

#include "net/network_xml.h"
#include "net/network_kind.h"
#include "tests/net/kind_fixture.h"
#include "tests/net/network_examples.h"

namespace virtplan::net {
namespace {

using test::network_examples;
using test::parse_object;

// What parse_xml() cannot know: autostart is read with net-list.
nlohmann::json without_autostart(nlohmann::json spec) {
  spec.erase("autostart");
  return spec;
}

TEST_CASE("network create_xml matches the golden file for every mode") {
  NetworkKind kind;
  for (const auto& example : network_examples()) {
    auto parsed = parse_object(kind, example.name, example.yaml);
    INFO(example.name);
    REQUIRE(parsed.messages().empty());
    auto xml = kind.create_xml(parsed.object);
    REQUIRE(xml.has_value());
    test::check_golden("tests/net/golden/" + example.name + ".xml", *xml);
  }
}

TEST_CASE("network create_xml is valid for libvirt's network.rng in every mode") {
  NetworkKind kind;
  for (const auto& example : network_examples()) {
    auto parsed = parse_object(kind, example.name, example.yaml);
    auto xml = kind.create_xml(parsed.object);
    REQUIRE(xml.has_value());
    INFO(example.name << "\n" << *xml);
    CHECK(test::schema_problems("network.rng", *xml) == std::vector<std::string>{});
  }
}

TEST_CASE("network parse_xml of create_xml gives back the spec") {
  NetworkKind kind;
  for (const auto& example : network_examples()) {
    auto parsed = parse_object(kind, example.name, example.yaml);
    auto xml = kind.create_xml(parsed.object);
    REQUIRE(xml.has_value());
    auto spec = kind.parse_xml(*xml);
    REQUIRE(spec.has_value());
    INFO(example.name);
    CHECK(spec->dump(2) == without_autostart(parsed.object.spec).dump(2));
  }
}

TEST_CASE("network canonical spec keys DHCP hosts by MAC and DNS hosts by IP") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", network_examples().front().yaml);
  REQUIRE(parsed.messages().empty());
  auto want = nlohmann::json::parse(R"({
    "mode": "nat", "bridge": "vp-nat0", "mtu": 9000, "domain": "lan", "autostart": true,
    "ipv4": {"address": "10.77.0.1/24",
             "dhcp": {"range": "10.77.0.100-10.77.0.199",
                      "hosts": {"52:54:00:00:00:10": {"ip": "10.77.0.10", "name": "web"},
                                "52:54:00:00:00:11": {"ip": "10.77.0.11"}}}},
    "dns": {"hosts": {"10.77.0.10": ["web.lan", "www.lan"], "10.77.0.11": ["db.lan"]}}})");
  CHECK(parsed.object.spec.dump(2) == want.dump(2));
}

TEST_CASE("network MACs are lowercased as libvirt prints them") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "r", R"(
ipv4: {address: 10.1.0.1/24, dhcp: {hosts: [{mac: "52-54-00-AA-bb-01", ip: 10.1.0.9}]}})");
  REQUIRE(parsed.messages().empty());
  CHECK(parsed.object.spec["ipv4"]["dhcp"]["hosts"].contains("52:54:00:aa:bb:01"));
}

TEST_CASE("network owner marker is written and read back") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", "mode: isolated");
  auto xml = kind.create_xml(parsed.object);
  REQUIRE(xml.has_value());
  auto document = providers::XmlDocument::parse(*xml);
  REQUIRE(document.has_value());
  CHECK(read_network_owner(*document) == std::optional<std::string>("demo"));
  auto bare = providers::XmlDocument::parse("<network><name>x</name></network>");
  REQUIRE(bare.has_value());
  CHECK(read_network_owner(*bare) == std::nullopt);
}

}  // namespace
}  // namespace virtplan::net
