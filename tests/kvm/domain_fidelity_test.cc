// What a redefine keeps of a domain's XML that the stack does not declare
// (issue 17): a CPU model change edits <cpu> in place, and the `dac`
// seclabel oVirt writes is not a security model the stack chooses.

#include "kvm/domain_kind.h"
#include "providers/xml/document.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;

namespace {

const std::string k_cpu_domain =
    "<domain type='qemu'><name>c</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
    "<cpu mode='custom' match='minimum' check='partial'><model fallback='allow'>qemu64</model>"
    "<topology sockets='1' dies='1' cores='1' threads='1'/><feature policy='disable' name='svm'/></cpu>"
    "</domain>";

providers::StackObject object_of(json spec) {
  providers::StackObject object;
  object.id = providers::ObjectId{"domain", "c", "lab1"};
  object.stack = "demo";
  object.spec = std::move(spec);
  return object;
}

std::string attribute(const std::string& xml, const std::string& xpath) {
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document);
  auto value = document->root().xpath_string(xpath);
  REQUIRE(value);
  return value->value_or("");
}

}  // namespace

TEST_CASE("a CPU model change edits <cpu> in place: only the declared mode and model change") {
  kvm::DomainKind kind;
  auto spec = kind.parse_xml(k_cpu_domain);
  REQUIRE(spec);
  REQUIRE(spec->at("cpu").at("model") == "qemu64");
  (*spec)["cpu"]["model"] = "kvm64";
  auto updated = kind.update_xml(k_cpu_domain, object_of(*spec));
  REQUIRE(updated);
  INFO(*updated);
  CHECK(attribute(*updated, "/domain/cpu/model") == "kvm64");
  CHECK(attribute(*updated, "/domain/cpu/@check") == "partial");
  CHECK(attribute(*updated, "/domain/cpu/@match") == "minimum");
  CHECK(attribute(*updated, "/domain/cpu/model/@fallback") == "allow");
  CHECK(attribute(*updated, "/domain/cpu/feature[@name='svm']/@policy") == "disable");
  CHECK(attribute(*updated, "/domain/cpu/topology/@sockets") == "1");

  // host-passthrough chooses no model of its own; the rest stays
  (*spec)["cpu"] = json{{"mode", "host-passthrough"}};
  auto passthrough = kind.update_xml(k_cpu_domain, object_of(*spec));
  REQUIRE(passthrough);
  INFO(*passthrough);
  CHECK(attribute(*passthrough, "/domain/cpu/@mode") == "host-passthrough");
  CHECK(passthrough->find("<model") == std::string::npos);
  CHECK(attribute(*passthrough, "/domain/cpu/@check") == "partial");
}

TEST_CASE("a dac seclabel is not the stack's security model, and a security change keeps it") {
  const std::string xml =
      "<domain type='qemu'><name>c</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
      "<seclabel type='dynamic' model='dac' relabel='yes'><label>+107:+107</label></seclabel></domain>";
  kvm::DomainKind kind;
  auto spec = kind.parse_xml(xml);
  REQUIRE(spec);  // oVirt's domains were refused: "security model 'dac'"
  CHECK_FALSE(spec->contains("security"));
  auto yaml = kind.to_stack(*spec);
  REQUIRE(yaml);
  CHECK_FALSE(yaml->contains("security"));
  (*spec)["security"] = json{{"model", "none"}};
  auto updated = kind.update_xml(xml, object_of(*spec));
  REQUIRE(updated);
  INFO(*updated);
  CHECK(attribute(*updated, "/domain/seclabel[@model='dac']/label") == "+107:+107");
  CHECK(attribute(*updated, "/domain/seclabel[@type='none']/@type") == "none");
}
