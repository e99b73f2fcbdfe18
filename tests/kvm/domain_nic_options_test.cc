// Issue 17 item 3, interfaces: a macvtap NIC (`type: direct`), VLAN tags, an
// Open vSwitch virtualport, bandwidth limits and the MTU (kvm/domain_nic_options.h):
// validated where they are written, libvirt's XML both ways, import, absent
// keys unmanaged, and the impact each change plans with the live way apply
// takes (bandwidth through domiftune).

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_stack_writer.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

#include <regex>

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

constexpr const char* k_opt_mac = "52:54:00:00:00:10";

std::string opt_domain(const std::string& nic) {
  return "memory: 128MiB\nvirt_type: qemu\ninterfaces:\n  - {mac: \"52:54:00:00:00:10\", " + nic + "}\n";
}

providers::StackObject opt_parsed(const std::string& yaml) {
  providers::Diagnostics diags;
  auto object = parse_domain(yaml, diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  return object;
}

std::string opt_error(const std::string& nic) {
  providers::Diagnostics diags;
  parse_domain(opt_domain(nic), diags);
  return messages(diags);
}

json opt_nic(const json& spec) { return spec.at("interfaces").at(k_opt_mac); }

// create_xml -> parse_xml -> the import writer -> the reader again.
json opt_round_trip(const providers::StackObject& object) {
  kvm::DomainKind kind;
  auto xml = kind.create_xml(object);
  REQUIRE(xml);
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(opt_nic(*observed) == opt_nic(object.spec));
  auto yaml = kvm::domain_to_stack(*observed);
  REQUIRE(yaml);
  return *yaml;
}

std::string opt_interface_xml(const providers::StackObject& object) {
  auto xml = kvm::DomainKind().create_xml(object);
  REQUIRE(xml);
  auto document = providers::XmlDocument::parse(*xml, "test");
  REQUIRE(document);
  // Without the indentation, to compare elements as one line.
  return std::regex_replace(document->root().child("devices")->child("interface")->to_string(),
                            std::regex(R"(>\s+<)"), "><");
}

}  // namespace

TEST_CASE("a macvtap NIC: type direct with source_dev and mode, written as <interface type='direct'>") {
  auto object = opt_parsed(opt_domain("type: direct, source_dev: eth0, mode: bridge"));
  CHECK(opt_nic(object.spec) ==
        json{{"direct", "eth0"}, {"mode", "bridge"}, {"model", "virtio"}, {"mac", k_opt_mac}});
  const std::string xml = opt_interface_xml(object);
  CHECK(xml.find("type=\"direct\"") != std::string::npos);
  CHECK(xml.find("<source dev=\"eth0\" mode=\"bridge\"/>") != std::string::npos);
  json yaml = opt_round_trip(object);
  CHECK(yaml.at("interfaces").at(0) ==
        json{{"type", "direct"}, {"source_dev", "eth0"}, {"mode", "bridge"}, {"mac", k_opt_mac}});
  // libvirt's default mode is vepa.
  CHECK(opt_nic(opt_parsed(opt_domain("type: direct, source_dev: eth0")).spec).at("mode") == "vepa");

  CHECK(
      opt_error("type: direct") ==
      "stack.yaml:4:38: domain.web: type direct needs source_dev (the host device the macvtap NIC sits on)\n");
  CHECK(opt_error("type: direct, source_dev: eth0, mode: hairpin") ==
        "stack.yaml:4:70: domain.web: expected one of bridge, vepa, private, passthrough, got 'hairpin'\n");
  CHECK(opt_error("network: lan, mode: bridge") ==
        "stack.yaml:4:52: domain.web: source_dev and mode are for `type: direct` (macvtap) only\n");
  CHECK(opt_error("type: direct, source_dev: eth0, network: lan").find("exactly one of") !=
        std::string::npos);
}

TEST_CASE("a NIC without a MAC on a macvtap device gets a placeholder key of its source") {
  auto object = opt_parsed("memory: 128MiB\ninterfaces:\n  - {type: direct, source_dev: eth0}\n");
  CHECK(object.spec.at("interfaces").contains("direct:eth0#1"));
}

TEST_CASE("vlan: one tag, a trunk, a native VLAN, only where libvirt starts it") {
  const std::string ovs = "bridge: br0, virtualport: openvswitch, ";
  CHECK(opt_nic(opt_parsed(opt_domain(ovs + "vlan: 42")).spec).at("vlan") ==
        json{{"tags", {42}}, {"trunk", false}});
  CHECK(opt_nic(opt_parsed(opt_domain(ovs + "vlan: [10, 20]")).spec).at("vlan") ==
        json{{"tags", {10, 20}}, {"trunk", true}});
  auto native = opt_parsed(opt_domain(ovs + "vlan: {tags: [10, 20], native: 10, native_mode: untagged}"));
  CHECK(opt_nic(native.spec).at("vlan") ==
        json{{"tags", {10, 20}}, {"trunk", true}, {"native", {{"tag", 10}, {"mode", "untagged"}}}});
  const std::string xml = opt_interface_xml(native);
  CHECK(xml.find("<vlan trunk=\"yes\"><tag id=\"10\" nativeMode=\"untagged\"/><tag id=\"20\"/></vlan>") !=
        std::string::npos);
  CHECK(opt_round_trip(native).at("interfaces").at(0).at("vlan") ==
        json{{"tags", {10, 20}}, {"trunk", true}, {"native", 10}, {"native_mode", "untagged"}});
  CHECK(opt_round_trip(opt_parsed(opt_domain(ovs + "vlan: 42"))).at("interfaces").at(0).at("vlan") == 42);
  // A network (its forward mode decides at start) and a passthrough macvtap NIC take one too.
  opt_parsed(opt_domain("network: lan, vlan: 42"));
  opt_parsed(opt_domain("type: direct, source_dev: eth0, mode: passthrough, vlan: 42"));

  CHECK(opt_error("bridge: br0, vlan: 42").find("vlan needs an Open vSwitch bridge") != std::string::npos);
  CHECK(opt_error("type: direct, source_dev: eth0, mode: bridge, vlan: 42").find("vlan needs") !=
        std::string::npos);
  CHECK(opt_error(ovs + "vlan: 4096") == "stack.yaml:4:77: domain.web: vlan tag 4096: expected 0 to 4095\n");
  CHECK(opt_error(ovs + "vlan: {tags: [10, 20], trunk: false}").find("more than one tag is a trunk") !=
        std::string::npos);
  CHECK(opt_error(ovs + "vlan: {tags: [10], native: 20, trunk: true}").find("must be one of the tags") !=
        std::string::npos);
}

TEST_CASE("virtualport: Open vSwitch on a bridge, interfaceid kept as libvirt filled it in") {
  auto object = opt_parsed(opt_domain("bridge: br0, virtualport: {type: openvswitch, profileid: web}"));
  CHECK(opt_nic(object.spec).at("virtualport") == json{{"type", "openvswitch"}, {"profileid", "web"}});
  const std::string xml = opt_interface_xml(object);
  CHECK(xml.find("<virtualport type=\"openvswitch\"><parameters profileid=\"web\"/></virtualport>") !=
        std::string::npos);
  opt_round_trip(object);
  // libvirt 9.0 defines and starts one on a macvtap NIC too (measured).
  opt_parsed(opt_domain("type: direct, source_dev: eth0, virtualport: openvswitch"));
  CHECK(opt_error("bridge: br0, virtualport: 802.1Qbh").find("expected openvswitch") != std::string::npos);
  CHECK(opt_error("bridge: br0, virtualport: {type: openvswitch, interfaceid: nope}") ==
        "stack.yaml:4:58: domain.web: virtualport interfaceid: expected a UUID\n");

  // libvirt fills in an interfaceid at define: a stack without one still compares equal.
  json observed = object.spec;
  observed["interfaces"][k_opt_mac]["virtualport"]["interfaceid"] = "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f";
  json reconciled = kvm::DomainKind().reconcile(object.spec, observed);
  CHECK(opt_nic(reconciled) == opt_nic(observed));
}

TEST_CASE("bandwidth and mtu: XML both ways, validation") {
  auto object = opt_parsed(opt_domain(
      "network: lan, mtu: 9000, bandwidth: {inbound: {average: 1000, peak: 5000, burst: 1024, floor: 200}, "
      "outbound: {average: 128}}"));
  CHECK(opt_nic(object.spec).at("mtu") == 9000);
  CHECK(opt_nic(object.spec).at("bandwidth") ==
        json{{"inbound", {{"average", 1000}, {"peak", 5000}, {"burst", 1024}, {"floor", 200}}},
             {"outbound", {{"average", 128}}}});
  const std::string xml = opt_interface_xml(object);
  CHECK(xml.find("<mtu size=\"9000\"/>") != std::string::npos);
  CHECK(xml.find("<inbound average=\"1000\" burst=\"1024\" floor=\"200\" peak=\"5000\"/>") !=
        std::string::npos);
  CHECK(xml.find("<outbound average=\"128\"/>") != std::string::npos);
  json yaml = opt_round_trip(object);
  CHECK(yaml.at("interfaces").at(0).at("mtu") == 9000);

  CHECK(opt_error("type: direct, source_dev: eth0, mtu: 1400").find("sets no MTU on a macvtap NIC") !=
        std::string::npos);
  CHECK(opt_error("network: lan, mtu: 40") == "stack.yaml:4:51: domain.web: mtu 40: expected 68 to 65535\n");
  CHECK(opt_error("network: lan, bandwidth: {inbound: {peak: 10}}").find("average is required") !=
        std::string::npos);
  CHECK(
      opt_error("network: lan, bandwidth: {outbound: {average: 1, floor: 2}}").find("unknown key 'floor'") !=
      std::string::npos);
  CHECK(opt_error("bridge: br0, bandwidth: {inbound: {average: 1, floor: 2}}")
            .find("floor: only a `network:`") != std::string::npos);
  CHECK(opt_error("network: lan, bandwidth: {inbound: {average: -1}}").find("whole number") !=
        std::string::npos);
}

TEST_CASE("NIC options the stack leaves out are not managed, false removes one") {
  kvm::DomainKind kind;
  auto declared = opt_parsed(opt_domain("network: lan, mtu: 9000, bandwidth: {inbound: {average: 1000}}"));
  auto xml = kind.create_xml(declared);
  REQUIRE(xml);
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);

  // Left out: reconcile takes the domain's values, and an update keeps the elements.
  auto silent = opt_parsed(opt_domain("network: lan"));
  CHECK(opt_nic(kind.reconcile(silent.spec, *observed)) == opt_nic(*observed));
  auto kept = kind.update_xml(*xml, silent);
  REQUIRE(kept);
  CHECK(opt_nic(*kind.parse_xml(*kept)) == opt_nic(*observed));

  // false: none. Where the domain has none, the same thing (no change).
  auto removed = opt_parsed(opt_domain("network: lan, mtu: false, bandwidth: false"));
  auto updated = kind.update_xml(*xml, removed);
  REQUIRE(updated);
  json after = opt_nic(*kind.parse_xml(*updated));
  CHECK_FALSE(after.contains("mtu"));
  CHECK_FALSE(after.contains("bandwidth"));
  CHECK(opt_nic(kind.reconcile(removed.spec, *kind.parse_xml(*updated))) == after);
}

TEST_CASE(
    "a NIC's bandwidth changes live through domiftune; vlan, virtualport, mtu and macvtap need a restart") {
  const auto& rules = kvm::domain_field_rules();
  const std::string nic = std::string("/interfaces/") + k_opt_mac;
  CHECK(rules.impact(nic + "/bandwidth/inbound/average", 1000, 2000) == providers::Impact::live);
  CHECK(rules.impact(nic + "/bandwidth", nullptr, json{{"inbound", {{"average", 1}}}}) ==
        providers::Impact::live);
  CHECK(rules.rule_for(nic + "/bandwidth", nullptr, 1).live == kvm::domain_live::iftune);
  for (const char* key : {"/mtu", "/vlan/tags/0", "/virtualport/profileid", "/direct", "/mode"}) {
    INFO(key);
    CHECK(rules.impact(nic + key, 1, 2) == providers::Impact::restart);
    CHECK(rules.impact(nic + key, 1, 2, providers::Running::no) == providers::Impact::config);
  }

  FakeVirshHost host;
  auto before = opt_parsed(opt_domain("network: lan, bandwidth: {inbound: {average: 1000}}"));
  auto after = opt_parsed(opt_domain("network: lan, bandwidth: {inbound: {average: 2000, burst: 512}}"));
  auto before_xml = kvm::DomainKind().create_xml(before);
  auto after_xml = kvm::DomainKind().create_xml(after);
  REQUIRE(before_xml);
  REQUIRE(after_xml);
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", *before_xml);
  host.then("dumpxml --inactive --security-info --domain web", *after_xml);
  const std::string path = nic + "/bandwidth/inbound/average";
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = {{path, 1000, 2000, rules.impact(path, 1000, 2000)},
                 {nic + "/bandwidth/inbound/burst", nullptr, 512,
                  rules.impact(nic + "/bandwidth/inbound/burst", nullptr, 512)}};
  auto done = kvm::DomainActuator().update(step, host.session());
  REQUIRE(done);
  CHECK(done->warnings.empty());
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "dumpxml --inactive --security-info --domain web",
                            std::string("domiftune --domain web --interface ") + k_opt_mac +
                                " --inbound 2000,,512 --outbound 0 --live"});
}
