// The loader rules a network checks: addresses, MACs, DHCP inside the subnet,
// bridge mode's limits, and across one host's networks overlapping subnets,
// shared bridges and MACs with two static leases.

#include "net/network_kind.h"
#include "tests/net/kind_fixture.h"

namespace virtplan::net {
namespace {

using providers::StackObject;
using Messages = std::vector<std::string>;
using test::parse_object;

Messages check_all(const std::vector<StackObject>& all) {
  NetworkKind kind;
  providers::Diagnostics diags;
  for (const StackObject& object : all) kind.check(object, all, diags);
  Messages out;
  for (const auto& d : diags.sorted()) out.push_back(d.str());
  return out;
}

TEST_CASE("network defaults: nat, autostart, no DNS hosts") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", "ipv4: {address: 10.0.0.1/24}\n");
  REQUIRE(parsed.messages().empty());
  CHECK(parsed.object.spec.dump() ==
        R"({"autostart":true,"dns":{"hosts":{}},"ipv4":{"address":"10.0.0.1/24"},"mode":"nat"})");
}

TEST_CASE("network DHCP range and host outside the subnet are errors at their place") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", R"(ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.78.0.100-10.78.0.199
    hosts:
      - {mac: "52:54:00:00:00:10", ip: 10.77.1.10}
)");
  CHECK(
      parsed.messages() ==
      Messages{
          "stack.yaml:4:12: network.lan: DHCP range 10.78.0.100-10.78.0.199 is outside the subnet 10.77.0.0/24",
          "stack.yaml:6:40: network.lan: DHCP host 10.77.1.10 is outside the subnet 10.77.0.0/24"});
}

TEST_CASE("network invalid CIDR, IP, MAC and range are errors") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", R"(ipv4:
  address: 10.77.0.1
  dhcp: {range: 10.77.0.9-10.77.0.1}
)");
  CHECK(
      parsed.messages() ==
      Messages{
          "stack.yaml:2:12: network.lan: invalid IPv4 address/prefix '10.77.0.1' (expected like 10.77.0.1/24)"});
  auto hosts = parse_object(kind, "lan", R"(ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.77.0.9-10.77.0.1
    hosts:
      - {mac: "52:54:00:00:00", ip: 10.77.0.5}
      - {mac: "52:54:00:00:00:01", ip: 10.77.0.256}
      - {mac: "01:00:5e:00:00:01", ip: 10.77.0.7}
dns:
  hosts: [{ip: 10.77.0.300, names: [x]}]
)");
  CHECK(
      hosts.messages() ==
      Messages{
          "stack.yaml:4:12: network.lan: invalid DHCP range '10.77.0.9-10.77.0.1' (expected START-END, START <= END)",
          "stack.yaml:6:15: network.lan: invalid MAC address '52:54:00:00:00': expected six hex pairs like 52:54:00:12:34:56",
          "stack.yaml:7:40: network.lan: invalid IPv4 address '10.77.0.256'",
          "stack.yaml:8:15: network.lan: invalid MAC address '01:00:5e:00:00:01': it is a multicast address",
          "stack.yaml:10:16: network.lan: invalid IPv4 address '10.77.0.300'"});
}

TEST_CASE("network host address may not be the subnet's network or broadcast address") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", "ipv4: {address: 10.77.0.255/24}\n");
  CHECK(
      parsed.messages() ==
      Messages{
          "stack.yaml:1:17: network.lan: 10.77.0.255/24 is the subnet's broadcast address, not a host address"});
}

TEST_CASE("network duplicate MACs among one network's DHCP hosts") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", R"(ipv4:
  address: 10.77.0.1/24
  dhcp:
    hosts:
      - {mac: "52:54:00:00:00:10", ip: 10.77.0.10}
      - {mac: "52:54:00:00:00:10", ip: 10.77.0.11}
      - {mac: "52:54:00:00:00:12", ip: 10.77.0.10}
)");
  CHECK(
      parsed.messages() ==
      Messages{
          "stack.yaml:6:9: network.lan: duplicate DHCP host MAC 52:54:00:00:00:10 (first at stack.yaml:5:9)",
          "stack.yaml:7:9: network.lan: duplicate DHCP host address 10.77.0.10 (first at stack.yaml:5:9)"});
}

TEST_CASE("network unknown keys get a suggestion") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "lan", "mode: nat\nipv4: {adress: 10.0.0.1/24}\nautostrat: true\n");
  auto messages = parsed.messages();
  REQUIRE(messages.size() == 3);
  CHECK(
      messages[0] ==
      "stack.yaml:2:7: network.lan: ipv4 needs 'address' (the host's address and prefix, like 10.77.0.1/24)");
  CHECK(messages[1].find("unknown key 'adress' (did you mean 'address'?)") != std::string::npos);
  CHECK(messages[2].find("unknown key 'autostrat' (did you mean 'autostart'?)") != std::string::npos);
}

TEST_CASE("network bridge mode takes a bridge name and nothing that serves addresses") {
  NetworkKind kind;
  auto parsed = parse_object(kind, "br", "mode: bridge\nipv4: {address: 10.0.0.1/24}\nmtu: 1500\n");
  CHECK(
      parsed.messages() ==
      Messages{
          "stack.yaml:1:1: network.br: bridge mode needs 'bridge' (the existing host bridge) or 'forward_dev' (the host interface, for macvtap)",
          "stack.yaml:2:7: network.br: 'ipv4' is not allowed in bridge mode (libvirt only attaches guests to the existing bridge)",
          "stack.yaml:3:6: network.br: 'mtu' is not allowed in bridge mode (libvirt only attaches guests to the existing bridge)"});
}

TEST_CASE("network bridge mode by macvtap takes the host interface, as libvirt does") {
  NetworkKind kind;
  // <forward mode='bridge' dev='eth0'/>: what import prints for a macvtap network
  auto macvtap = parse_object(kind, "mv", "mode: bridge\nforward_dev: eth0\n");
  CHECK(macvtap.messages().empty());
  CHECK(macvtap.object.spec.value("forward_dev", "") == "eth0");
  auto both = parse_object(kind, "mv", "mode: bridge\nbridge: br0\nforward_dev: eth0\n");
  CHECK(both.messages() ==
        Messages{"stack.yaml:1:1: network.mv: bridge mode takes 'bridge' (a host bridge) or 'forward_dev' "
                 "(macvtap), not both"});
}

TEST_CASE("network mode, bridge name and mtu are checked") {
  NetworkKind kind;
  auto parsed =
      parse_object(kind, "x", "mode: natt\nbridge: a-very-long-bridge-name\nmtu: 10\nforward_dev: eth0\n");
  auto messages = parsed.messages();
  REQUIRE(messages.size() == 3);
  CHECK(
      messages[0] ==
      "stack.yaml:1:7: network.x: expected one of nat, route, open, isolated, bridge, got 'natt' (did you mean 'nat'?)");
  CHECK(
      messages[1] ==
      "stack.yaml:2:9: network.x: invalid interface name 'a-very-long-bridge-name' (1-15 characters, no '/', ':', '%' or spaces)");
  CHECK(messages[2] == "stack.yaml:3:6: network.x: mtu 10 is out of range (68-65535)");
  auto isolated = parse_object(kind, "x", "mode: isolated\nforward_dev: eth0\n");
  CHECK(isolated.messages() ==
        Messages{"stack.yaml:2:14: network.x: 'forward_dev' needs mode nat or route, not isolated"});
}

TEST_CASE("network check: overlapping subnets on one host, not across hosts") {
  NetworkKind kind;
  auto a = parse_object(kind, "a", "ipv4: {address: 10.0.0.1/16}\n").object;
  auto b = parse_object(kind, "b", "ipv4: {address: 10.0.5.1/24}\n").object;
  auto c = parse_object(kind, "c", "ipv4: {address: 10.0.5.1/24}\n", "lab2").object;
  b.locations["/ipv4/address"].line = 9;
  CHECK(
      check_all({a, b, c}) ==
      Messages{
          "stack.yaml:1:17: network.a@lab1: subnet 10.0.0.0/16 overlaps 10.0.5.0/24 of network.b@lab1 (stack.yaml:9:17)",
          "stack.yaml:9:17: network.b@lab1: subnet 10.0.5.0/24 overlaps 10.0.0.0/16 of network.a@lab1 (stack.yaml:1:17)"});
}

TEST_CASE("network check: one MAC with static leases in two networks of a host") {
  NetworkKind kind;
  auto a = parse_object(
               kind, "a",
               R"(ipv4: {address: 10.1.0.1/24, dhcp: {hosts: [{mac: "52:54:00:00:00:01", ip: 10.1.0.2}]}})")
               .object;
  auto b = parse_object(
               kind, "b",
               R"(ipv4: {address: 10.2.0.1/24, dhcp: {hosts: [{mac: "52:54:00:00:00:01", ip: 10.2.0.2}]}})")
               .object;
  auto messages = check_all({a, b});
  REQUIRE(messages.size() == 2);
  CHECK(
      messages[0] ==
      "stack.yaml:1:51: network.a@lab1: duplicate MAC 52:54:00:00:00:01 on host lab1: also a DHCP host of network.b@lab1 (stack.yaml:1:51)");
}

TEST_CASE("network check: two networks cannot create one bridge") {
  NetworkKind kind;
  auto a = parse_object(kind, "a", "bridge: vp0\nmode: isolated\n").object;
  auto b = parse_object(kind, "b", "bridge: vp0\nmode: isolated\n").object;
  auto c = parse_object(kind, "c", "bridge: br0\nmode: bridge\n").object;
  auto d = parse_object(kind, "d", "bridge: br0\nmode: bridge\n").object;
  CHECK(
      check_all({a, b, c, d}) ==
      Messages{"stack.yaml:1:9: network.a@lab1: bridge vp0 is also used by network.b@lab1 (stack.yaml:1:9)",
               "stack.yaml:1:9: network.b@lab1: bridge vp0 is also used by network.a@lab1 (stack.yaml:1:9)"});
}

}  // namespace
}  // namespace virtplan::net
