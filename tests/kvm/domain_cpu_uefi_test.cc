// Issue 17 item 3, CPU and firmware: `cpu: {topology, features}`
// (kvm/domain_cpu_layout.h) and `uefi: {secure_boot, loader, nvram_template}`
// (kvm/domain_uefi.h): validation against vcpus, machine and firmware,
// libvirt's XML both ways, an update that changes only what is declared,
// import, and absent keys unmanaged.

#include "kvm/domain_field_rules.h"
#include "kvm/domain_stack_writer.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/support/kind_fixture.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;

namespace {

providers::StackObject cpu_parsed(const std::string& yaml) {
  providers::Diagnostics diags;
  auto object = parse_domain(yaml, diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  return object;
}

std::string cpu_error(const std::string& yaml) {
  providers::Diagnostics diags;
  parse_domain(yaml, diags);
  return messages(diags);
}

providers::XmlDocument cpu_document(const std::string& xml) {
  auto document = providers::XmlDocument::parse(xml, "test");
  REQUIRE(document);
  return std::move(*document);
}

const std::string k_cpu_stack =
    "memory: 128MiB\nvirt_type: qemu\nvcpus: 4\ncpu:\n  mode: custom\n  model: qemu64\n"
    "  topology: {sockets: 1, cores: 2, threads: 2}\n  features: {require: [sse4.2], disable: [svm]}\n";

}  // namespace

TEST_CASE("cpu topology and features: canonical spec, validation against vcpus") {
  auto object = cpu_parsed(k_cpu_stack);
  CHECK(object.spec.at("cpu").at("topology") == json{{"sockets", 1}, {"cores", 2}, {"threads", 2}});
  CHECK(object.spec.at("cpu").at("features") == json{{"require", {"sse4.2"}}, {"disable", {"svm"}}});

  CHECK(
      cpu_error("memory: 128MiB\nvcpus: 2\ncpu:\n  topology: {sockets: 1, cores: 2, threads: 2}\n") ==
      "stack.yaml:4:13: domain.web: cpu topology gives 4 vCPUs (sockets x dies x cores x threads), vcpus max is "
      "2: libvirt needs them equal\n");
  CHECK(cpu_error("memory: 128MiB\ncpu:\n  topology: {sockets: 1, cores: 0, threads: 1}\n") ==
        "stack.yaml:3:13: domain.web: cpu topology cores: expected a whole number from 1 to 4096\n");
  CHECK(cpu_error("memory: 128MiB\ncpu:\n  topology: {sockets: 1}\n") ==
        "stack.yaml:3:13: domain.web: cpu topology: cores is required\n");
  CHECK(cpu_error("memory: 128MiB\ncpu:\n  features: {require: [pcid], disable: [pcid]}\n") ==
        "stack.yaml:3:13: domain.web: cpu features: 'pcid' is both required and disabled\n");
  CHECK(
      cpu_error("memory: 128MiB\ncpu:\n  features: {require: [Bad Name]}\n").find("not a CPU feature name") !=
      std::string::npos);
}

TEST_CASE("cpu topology and features: XML both ways and import") {
  kvm::DomainKind kind;
  auto object = cpu_parsed(k_cpu_stack);
  auto xml = kind.create_xml(object);
  REQUIRE(xml);
  auto document = cpu_document(*xml);
  auto cpu = document.root().child("cpu");
  REQUIRE(cpu);
  CHECK(cpu->child("topology")->attr("cores") == "2");
  CHECK(cpu->child("topology")->attr("dies") == "1");
  CHECK(cpu->children("feature").size() == 2);
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(observed->at("cpu") == object.spec.at("cpu"));
  auto yaml = kvm::domain_to_stack(*observed);
  REQUIRE(yaml);
  CHECK(yaml->at("cpu").at("topology") == json{{"sockets", 1}, {"cores", 2}, {"threads", 2}});
  CHECK(yaml->at("cpu").at("features") == json{{"require", {"sse4.2"}}, {"disable", {"svm"}}});
}

TEST_CASE("cpu features: an update writes the declared ones in place and keeps the rest of <cpu>") {
  kvm::DomainKind kind;
  const std::string xml =
      "<domain type='qemu'><name>web</name><memory unit='KiB'>131072</memory><vcpu>4</vcpu>"
      "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<cpu mode='custom' match='exact' check='partial'><model fallback='allow'>qemu64</model>"
      "<topology sockets='2' dies='1' cores='2' threads='1'/><feature policy='force' name='ssse3'/>"
      "<feature policy='disable' name='svm'/></cpu><devices/></domain>";
  auto observed = kind.parse_xml(xml);
  REQUIRE(observed);
  CHECK(observed->at("cpu").at("features") == json{{"require", json::array()}, {"disable", {"svm"}}});

  auto desired = cpu_parsed(
      "memory: 128MiB\nvirt_type: qemu\nvcpus: 4\ncpu:\n  mode: custom\n  model: qemu64\n"
      "  features: {disable: [svm, x2apic]}\n");
  auto updated = kind.update_xml(xml, desired);
  REQUIRE(updated);
  auto document = cpu_document(*updated);
  auto cpu = document.root().child("cpu");
  CHECK(cpu->attr("check") == "partial");
  CHECK(cpu->child("model")->attr("fallback") == "allow");
  CHECK(cpu->child("topology")->attr("sockets") == "2");
  CHECK(document.root().xpath_string("string(//feature[@name='ssse3']/@policy)").value() == "force");
  CHECK(document.root().xpath_string("string(//feature[@name='x2apic']/@policy)").value() == "disable");

  // Left out: the domain's topology and features stand.
  auto silent = cpu_parsed("memory: 128MiB\nvirt_type: qemu\nvcpus: 4\ncpu: {mode: custom, model: qemu64}\n");
  json reconciled = kind.reconcile(silent.spec, *observed);
  CHECK(reconciled.at("cpu") == observed->at("cpu"));
  CHECK(kvm::domain_field_rules().impact("/cpu/features/disable/1", nullptr, "x2apic") ==
        providers::Impact::restart);
}

TEST_CASE("uefi: secure boot by autoselection or by a loader with an NVRAM template") {
  kvm::DomainKind kind;
  auto autoselect = cpu_parsed("memory: 128MiB\nfirmware: uefi\nuefi: {secure_boot: true}\n");
  auto xml = kind.create_xml(autoselect);
  REQUIRE(xml);
  auto document = cpu_document(*xml);
  CHECK(document.root().child("os")->attr("firmware") == "efi");
  CHECK(document.root().xpath_string("string(//os/firmware/feature[@name='secure-boot']/@enabled)").value() ==
        "yes");
  CHECK(
      document.root().xpath_string("string(//os/firmware/feature[@name='enrolled-keys']/@enabled)").value() ==
      "yes");
  CHECK(document.root().xpath_string("string(//features/smm/@state)").value() == "on");
  CHECK(kind.parse_xml(*xml)->at("uefi") == json{{"secure_boot", true}});

  auto manual = cpu_parsed(
      "memory: 128MiB\nfirmware: uefi\nuefi: {secure_boot: true, loader: /usr/share/OVMF/OVMF_CODE_4M.secboot.fd,"
      " nvram_template: /usr/share/OVMF/OVMF_VARS_4M.ms.fd}\n");
  xml = kind.create_xml(manual);
  REQUIRE(xml);
  document = cpu_document(*xml);
  CHECK_FALSE(document.root().child("os")->attr("firmware"));
  CHECK(document.root().child("os")->child("loader")->text() == "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
  CHECK(document.root().child("os")->child("loader")->attr("secure") == "yes");
  CHECK(document.root().child("os")->child("nvram")->attr("template") ==
        "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(observed->at("firmware") == "uefi");
  CHECK(observed->at("uefi") == manual.spec.at("uefi"));
  CHECK(kvm::domain_to_stack(*observed)->at("uefi") == manual.spec.at("uefi"));

  // A plain `firmware: uefi` domain says nothing of secure boot: nothing to import.
  auto plain = cpu_parsed("memory: 128MiB\nfirmware: uefi\n");
  auto plain_observed = kind.parse_xml(*kind.create_xml(plain));
  REQUIRE(plain_observed);
  CHECK_FALSE(plain_observed->contains("uefi"));
  CHECK_FALSE(kvm::domain_to_stack(*plain_observed)->contains("uefi"));

  // Secure boot off, in place: the loader stays.
  auto off = cpu_parsed("memory: 128MiB\nfirmware: uefi\nuefi: {secure_boot: false}\n");
  auto updated = kind.update_xml(*xml, off);
  REQUIRE(updated);
  document = cpu_document(*updated);
  CHECK(document.root().child("os")->child("loader")->attr("secure") == "no");
  CHECK(document.root().child("os")->child("loader")->text() == "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
  CHECK(kind.reconcile(off.spec, *kind.parse_xml(*updated)).at("uefi") ==
        kind.parse_xml(*updated)->at("uefi"));
}

TEST_CASE("uefi: validation") {
  CHECK(cpu_error("memory: 128MiB\nuefi: {secure_boot: true}\n") ==
        "stack.yaml:2:7: domain.web: uefi: needs `firmware: uefi`\n");
  CHECK(cpu_error("memory: 128MiB\nmachine: pc\nfirmware: uefi\nuefi: {secure_boot: true}\n") ==
        "stack.yaml:4:7: domain.web: uefi secure_boot: needs machine q35 (SMM), not pc\n");
  CHECK(cpu_error(
            "memory: 128MiB\nfirmware: uefi\nuefi: {nvram_template: /usr/share/OVMF/OVMF_VARS_4M.ms.fd}\n")
            .find("needs loader") != std::string::npos);
  CHECK(cpu_error("memory: 128MiB\nfirmware: uefi\nuefi: {loader: OVMF.fd}\n") ==
        "stack.yaml:3:7: domain.web: uefi loader: expected the absolute path of a file on the host\n");
}

// What the lab kernel cannot start (Open vSwitch, VLANs, a passthrough
// macvtap NIC) is still checked against libvirt's own schema, beside the
// define-only lab test.
TEST_CASE("the XML of every NIC, CPU and UEFI key is valid to libvirt's RelaxNG schema") {
  for (const std::string uefi :
       {"uefi: {secure_boot: true}\n",
        "uefi: {secure_boot: true, loader: /usr/share/OVMF/OVMF_CODE_4M.secboot.fd, nvram_template: "
        "/usr/share/OVMF/OVMF_VARS_4M.ms.fd}\n"}) {
    auto object = cpu_parsed(
        k_cpu_stack + "firmware: uefi\n" + uefi +
        "interfaces:\n"
        "  - {bridge: ovsbr0, mac: \"52:54:00:00:00:01\", virtualport: {type: openvswitch, profileid: web,"
        " interfaceid: 09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f}, vlan: {tags: [10, 20], native: 10}, mtu: 9000}\n"
        "  - {type: direct, source_dev: eth0, mode: passthrough, mac: \"52:54:00:00:00:02\", vlan: 42}\n"
        "  - {network: lan, mac: \"52:54:00:00:00:03\", bandwidth: {inbound: {average: 1000, peak: 2000, burst: "
        "512, floor: 100}, outbound: {average: 128}}}\n");
    auto xml = kvm::DomainKind().create_xml(object);
    REQUIRE(xml);
    INFO(*xml);
    CHECK(test::schema_problems("domain.rng", *xml).empty());
  }
}

TEST_CASE(
    "a stack without cpu: or numa: keeps the domain's <cpu>, vCPU pins and NUMA tuning through an update") {
  kvm::DomainKind kind;
  const std::string xml =
      "<domain type='kvm'><name>web</name><memory unit='KiB'>131072</memory><vcpu>2</vcpu>"
      "<cputune><vcpupin vcpu='0' cpuset='1'/></cputune><numatune><memory mode='strict' nodeset='0'/></numatune>"
      "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<cpu mode='host-passthrough' check='none'><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>"
      "<devices/></domain>";
  auto desired = cpu_parsed("memory: 128MiB\nvcpus: 2\nvirt_type: kvm\nhugepages: true\n");
  auto updated = kind.update_xml(xml, desired);
  REQUIRE(updated);
  auto document = cpu_document(*updated);
  auto root = document.root();
  CHECK(root.child("memoryBacking").has_value());
  CHECK(root.xpath_string("string(//cputune/vcpupin/@cpuset)").value() == "1");
  CHECK(root.xpath_string("string(//numatune/memory/@nodeset)").value() == "0");
  CHECK(root.xpath_string("string(//cpu/@mode)").value() == "host-passthrough");
  CHECK(root.xpath_string("string(//cpu/topology/@cores)").value() == "2");
}
