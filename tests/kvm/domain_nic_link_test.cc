// A NIC's link state (`link: up|down`, up by default): read from the stack
// and from libvirt's <link state=.../>, written back for create, update and
// import, a live change, and applied to the running domain by update-device
// with the NIC's config element (which then says the new state).

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_stack_writer.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

constexpr const char* k_mac = "52:54:00:00:00:10";

std::string nic_domain(const std::string& link) {
  return "memory: 128MiB\nvirt_type: qemu\ninterfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\"" +
         link + "}\n";
}

providers::StackObject parsed_nic_domain(const std::string& yaml) {
  providers::Diagnostics diags;
  auto object = parse_domain(yaml, diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  return object;
}

}  // namespace

TEST_CASE("a NIC's link is up unless it says down, and up is left out of the spec") {
  CHECK_FALSE(parsed_nic_domain(nic_domain("")).spec["interfaces"][k_mac].contains("link"));
  CHECK_FALSE(parsed_nic_domain(nic_domain(", link: up")).spec["interfaces"][k_mac].contains("link"));
  CHECK(parsed_nic_domain(nic_domain(", link: down")).spec["interfaces"][k_mac]["link"] == "down");

  providers::Diagnostics diags;
  parse_domain(nic_domain(", link: off"), diags);
  CHECK(messages(diags) == "stack.yaml:4:52: domain.web: expected one of up, down, got 'off'\n");
}

TEST_CASE("a NIC's link state round-trips through libvirt's XML and the import writer") {
  kvm::DomainKind kind;
  auto down = parsed_nic_domain(nic_domain(", link: down"));
  auto xml = kind.create_xml(down);
  REQUIRE(xml);
  auto document = providers::XmlDocument::parse(*xml, "test");
  REQUIRE(document);
  CHECK(document->root().child("devices")->child("interface")->child("link")->attr("state") == "down");
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(observed->at("interfaces").at(k_mac).at("link") == "down");
  auto yaml = kvm::domain_to_stack(*observed);
  REQUIRE(yaml);
  CHECK(yaml->at("interfaces").at(0).at("link") == "down");

  // Brought up again: the NIC keeps a <link state='up'/> (update-device must
  // be told), which reads back as the default.
  auto up = parsed_nic_domain(nic_domain(""));
  auto updated = kind.update_xml(*xml, up);
  REQUIRE(updated);
  auto again = providers::XmlDocument::parse(*updated, "test");
  REQUIRE(again);
  CHECK(again->root().child("devices")->child("interface")->child("link")->attr("state") == "up");
  CHECK_FALSE(kind.parse_xml(*updated)->at("interfaces").at(k_mac).contains("link"));
  CHECK_FALSE(kvm::domain_to_stack(*kind.parse_xml(*updated))->at("interfaces").at(0).contains("link"));
}

TEST_CASE("a NIC's link change is live: update-device with the new config element") {
  const std::string path = std::string("/interfaces/") + k_mac + "/link";
  CHECK(kvm::domain_field_rules().impact(path, nullptr, "down") == providers::Impact::live);
  CHECK(kvm::domain_field_rules().impact(path, "down", nullptr) == providers::Impact::live);

  FakeVirshHost host;
  auto before = parsed_nic_domain(nic_domain(""));
  auto after = parsed_nic_domain(nic_domain(", link: down"));
  auto before_xml = kvm::DomainKind().create_xml(before);
  auto after_xml = kvm::DomainKind().create_xml(after);
  REQUIRE(before_xml);
  REQUIRE(after_xml);
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", *before_xml);
  host.then("dumpxml --inactive --security-info --domain web", *after_xml);
  host.on("dumpxml --domain web", *before_xml);
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = {{path, nullptr, "down", kvm::domain_field_rules().impact(path, nullptr, "down")}};
  auto done = kvm::DomainActuator().update(step, host.session());
  REQUIRE(done);
  CHECK(done->warnings.empty());
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web", "define /dev/stdin",
                            "dumpxml --inactive --security-info --domain web", "dumpxml --domain web",
                            "update-device --domain web --file /dev/stdin --live"});
  const std::string sent = host.stdin_of("update-device --domain web --file /dev/stdin --live");
  CHECK(sent.find("<link state=\"down\"/>") != std::string::npos);
  CHECK(sent.find(k_mac) != std::string::npos);
  CHECK(host.stdin_of("define /dev/stdin").find("<link state=\"down\"/>") != std::string::npos);
}
