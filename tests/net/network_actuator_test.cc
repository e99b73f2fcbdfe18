// NetworkActuator against a scripted virsh: the exact subcommands for create,
// live updates (net-update), restart-class updates (redefine, restart,
// guests' NICs reconnected) and destroy.

#include "net/network_actuator.h"
#include "net/network_kind.h"
#include "tests/net/kind_fixture.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using providers::ActuatorStep;
using providers::FieldChange;
using providers::StackObject;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

const char* const k_lan = R"(
mode: nat
bridge: vpb0
autostart: true
ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.77.0.100-10.77.0.199
    hosts:
      - {mac: "52:54:00:00:00:10", ip: 10.77.0.10, name: web}
)";

StackObject network(const std::string& yaml) {
  auto parsed = test::parse_object(net::NetworkKind(), "lan", yaml);
  for (const auto& m : parsed.messages()) UNSCOPED_INFO(m);
  REQUIRE(parsed.diags.empty());
  return parsed.object;
}

std::string xml_of(const StackObject& object) {
  auto xml = net::NetworkKind().create_xml(object);
  REQUIRE(xml);
  return *xml;
}

FieldChange field(const std::string& path, json before, json after) {
  auto impact = net::NetworkKind().impact(path, before, after);
  return FieldChange{path, std::move(before), std::move(after), impact};
}

const char* const k_active = "Name:           lan\nActive:         yes\nPersistent:     yes\n";

}  // namespace

TEST_CASE("network create: define, start, autostart", "[actuator]") {
  FakeVirshHost host;
  StackObject lan = network(k_lan);
  REQUIRE(net::NetworkActuator().create(ActuatorStep{lan, nullptr, {}, {}}, host.session()));
  CHECK(host.ran() ==
        Lines{"net-define /dev/stdin", "net-start --network lan", "net-autostart --network lan"});
  CHECK(host.stdin_of("net-define /dev/stdin") == xml_of(lan));
  CHECK(host.stdin_of("net-define /dev/stdin").find("<vp:owner") != std::string::npos);
}

TEST_CASE("network create: a failed start says it is defined", "[actuator]") {
  FakeVirshHost host;
  host.fail("net-start --network lan", "error: Failed to start network lan\nerror: bridge busy\n");
  auto done = net::NetworkActuator().create(ActuatorStep{network(k_lan), nullptr, {}, {}}, host.session());
  REQUIRE_FALSE(done);
  CHECK(
      done.error().message() ==
      "network.lan@lab1: virsh net-start failed: Failed to start network lan: bridge busy (defined, not started)");
}

TEST_CASE("network update: a DHCP host deleted by hand is added back live and in the config", "[actuator]") {
  FakeVirshHost host;
  StackObject lan = network(k_lan);
  std::string without = xml_of(lan);
  auto doc = providers::XmlDocument::parse(without);
  REQUIRE(doc);
  (*doc->root().xpath_nodes("//dhcp/host"))[0].remove();
  host.then("net-dumpxml --inactive --network lan", doc->to_string());
  host.then("net-dumpxml --inactive --network lan", xml_of(lan));
  host.on("net-info --network lan", k_active);
  ActuatorStep step{lan,
                    nullptr,
                    {field("/ipv4/dhcp/hosts/52:54:00:00:00:10", nullptr,
                           lan.spec["ipv4"]["dhcp"]["hosts"]["52:54:00:00:00:10"])},
                    {}};
  REQUIRE(step.fields[0].impact == providers::Impact::live);
  auto done = net::NetworkActuator().update(step, host.session());
  REQUIRE(done);
  const std::string update =
      "net-update --network lan --command add-last --section ip-dhcp-host --xml /dev/stdin --config --live";
  CHECK(host.ran() == Lines{"net-dumpxml --inactive --network lan", "net-info --network lan", update,
                            "net-dumpxml --inactive --network lan"});
  CHECK(host.stdin_of(update) == "<host mac=\"52:54:00:00:00:10\" name=\"web\" ip=\"10.77.0.10\"/>\n");
}

TEST_CASE("network update: net-update that changes nothing is an error", "[actuator]") {
  FakeVirshHost host;
  StackObject lan = network(k_lan);
  auto doc = providers::XmlDocument::parse(xml_of(lan));
  REQUIRE(doc);
  (*doc->root().xpath_nodes("//dhcp/host"))[0].remove();
  host.on("net-dumpxml --inactive --network lan", doc->to_string());
  host.on("net-info --network lan", "Active:         no\n");
  ActuatorStep step{lan,
                    nullptr,
                    {field("/ipv4/dhcp/hosts/52:54:00:00:00:10", nullptr,
                           lan.spec["ipv4"]["dhcp"]["hosts"]["52:54:00:00:00:10"])},
                    {}};
  auto done = net::NetworkActuator().update(step, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message().starts_with("network.lan@lab1: net-update left ipv4 as "));
  // Inactive: the config only.
  CHECK(host.ran()[2] ==
        "net-update --network lan --command add-last --section ip-dhcp-host --xml /dev/stdin --config");
}

TEST_CASE("network update: a new bridge restarts the network and reconnects running guests", "[actuator]") {
  FakeVirshHost host;
  StackObject before = network(k_lan);
  std::string yaml = k_lan;
  yaml.replace(yaml.find("vpb0"), 4, "vpb1");
  StackObject after = network(yaml);
  host.on("net-dumpxml --inactive --network lan", xml_of(before));
  host.on("net-info --network lan", k_active);
  host.on("list --name", "web\nother\n");
  const std::string nic =
      "<interface type='network'><mac address='52:54:00:00:00:10'/><source network='lan' portid='x' "
      "bridge='vpb0'/><target dev='vnet3'/><model type='virtio'/><alias name='net0'/></interface>";
  host.on("dumpxml --domain web", "<domain><name>web</name><devices>" + nic + "</devices></domain>");
  host.on("dumpxml --domain other",
          "<domain><name>other</name><devices><interface type='network'><mac address='52:54:00:00:00:99'/>"
          "<source network='elsewhere'/></interface></devices></domain>");
  host.on("net-dumpxml --network lan", xml_of(after));
  host.on_other("readlink", {0, "../vpb1\n", ""});
  ActuatorStep step{after, nullptr, {field("/bridge", "vpb0", "vpb1")}, {}};
  REQUIRE(step.fields[0].impact == providers::Impact::restart);
  auto done = net::NetworkActuator().update(step, host.session());
  REQUIRE(done);
  const std::string update = "update-device --domain web --file /dev/stdin --live";
  CHECK(host.ran() == Lines{"net-dumpxml --inactive --network lan", "net-info --network lan", "list --name",
                            "dumpxml --domain web", "dumpxml --domain other", "net-define /dev/stdin",
                            "net-destroy --network lan", "net-start --network lan",
                            "net-dumpxml --network lan", update, update, "dumpxml --domain web",
                            "! readlink /sys/class/net/vnet3/master"});
  // The last switch puts the NIC back on the network (the first went to the bridge).
  CHECK(host.stdin_of(update).find("<source network=\"lan\"/>") != std::string::npos);
  CHECK(host.stdin_of("net-define /dev/stdin").find("vpb1") != std::string::npos);
}

TEST_CASE("network update: a NIC left on the old bridge fails the step and says so", "[actuator]") {
  FakeVirshHost host;
  StackObject after = network(k_lan);
  host.on("net-dumpxml --inactive --network lan", xml_of(after));
  host.on("net-info --network lan", k_active);
  host.on("list --name", "web\n");
  host.on(
      "dumpxml --domain web",
      "<domain><devices><interface type='network'><mac address='52:54:00:00:00:10'/><source network='lan'/>"
      "<target dev='vnet3'/></interface></devices></domain>");
  host.on("net-dumpxml --network lan", xml_of(after));
  host.on_other("readlink", {1, "", ""});
  ActuatorStep step{after, nullptr, {field("/ipv4/address", "10.76.0.1/24", "10.77.0.1/24")}, {}};
  auto done = net::NetworkActuator().update(step, host.session());
  REQUIRE_FALSE(done);
  CHECK(
      done.error().message() ==
      "network.lan@lab1: NIC 52:54:00:00:00:10 of domain web is on bridge '' after reconnecting, not 'vpb0' "
      "(redefined, stopped, restarted)");
}

TEST_CASE("network destroy: stopped, undefined, gone already is fine", "[actuator]") {
  FakeVirshHost host;
  host.on("net-info --network lan", k_active);
  ActuatorStep step;
  step.desired.id = {"network", "lan", "lab1"};
  REQUIRE(net::NetworkActuator().destroy(step, host.session()));
  CHECK(host.ran() ==
        Lines{"net-info --network lan", "net-destroy --network lan", "net-undefine --network lan"});

  FakeVirshHost gone;
  gone.fail("net-info --network lan", "error: failed to get network 'lan'\nerror: Network not found\n");
  REQUIRE(net::NetworkActuator().destroy(step, gone.session()));
  CHECK(gone.ran() == Lines{"net-info --network lan"});
}
