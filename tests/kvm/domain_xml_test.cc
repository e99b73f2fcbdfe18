#include "kvm/domain_devices.h"
#include "kvm/domain_kind.h"
#include "kvm/domain_xml_reader.h"
#include "providers/xml/document.h"
#include "providers/xml/relax_ng_schema.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::check_golden;
using kvm::test::parse_stack_file;
using kvm::test::read_text;
using kvm::test::source_path;
using nlohmann::json;

namespace {

const char* const k_schema = "/usr/share/libvirt/schemas/domain.rng";

// The three stacks every XML test runs over: name in the stack, file.
const std::vector<std::pair<std::string, std::string>> k_stacks = {
    {"mini", "minimal"}, {"web", "full"}, {"efi", "uefi"}, {"con", "devices"}};

std::string create_xml(const providers::StackObject& object) {
  auto xml = kvm::DomainKind().create_xml(object);
  INFO((xml ? "" : xml.error().message()));
  REQUIRE(xml);
  return *xml;
}

void require_valid(const std::string& xml) {
  auto schema = providers::RelaxNgSchema::load(k_schema);
  REQUIRE(schema);
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document);
  auto valid = (*schema)->validate(*document);
  INFO(xml << "\n" << (valid ? "" : valid.error().message()));
  CHECK(valid);
}

// What parse_xml cannot see: the engine observes these separately.
json without_unobserved(json spec) {
  spec.erase("autostart");
  spec.erase("state");
  return spec;
}

// The device keys the stack leaves out: not managed (DomainDevices), though
// the XML read back has them.
json without_undeclared_devices(json observed, const json& declared) {
  for (std::string_view key : kvm::DomainDevices::keys()) {
    if (!declared.contains(key)) observed.erase(std::string(key));
  }
  return observed;
}

}  // namespace

TEST_CASE("create_xml matches the golden files") {
  for (const auto& [name, file] : k_stacks) {
    SECTION(file) {
      auto object = parse_stack_file(file + ".yaml", name);
      check_golden("golden/" + file + ".xml", create_xml(object));
    }
  }
}

TEST_CASE("every generated document is valid against libvirt's domain schema") {
  for (const auto& [name, file] : k_stacks) {
    SECTION(file) {
      auto object = parse_stack_file(file + ".yaml", name);
      std::string xml = create_xml(object);
      require_valid(xml);
      // An update that changes every kind of field must stay valid too.
      object.spec["memory"]["current"] = 268435456;
      object.spec["hotplug_slots"] = 2;
      object.spec["disks"]["vdz"] = {
          {"bus", "virtio"}, {"cdrom", false}, {"readonly", true}, {"volume", "extra"}, {"pool", "images"}};
      auto updated = kvm::DomainKind().update_xml(xml, object);
      REQUIRE(updated);
      require_valid(*updated);
    }
  }
}

TEST_CASE("the generated XML reads back as the spec it came from") {
  for (const auto& [name, file] : k_stacks) {
    SECTION(file) {
      auto object = parse_stack_file(file + ".yaml", name);
      auto spec = kvm::DomainKind().parse_xml(create_xml(object));
      REQUIRE(spec);
      json want = without_unobserved(object.spec);
      // virt_type auto is written as qemu until reconciled
      if (want.at("virt_type") == "auto") want["virt_type"] = "qemu";
      // placeholder NICs have no MAC before libvirt assigns one
      for (auto it = want["interfaces"].begin(); it != want["interfaces"].end();) {
        it = it.key().find('#') != std::string::npos ? want["interfaces"].erase(it) : std::next(it);
      }
      json got = without_undeclared_devices(*spec, want);
      INFO("got  " << got.dump() << "\nwant " << want.dump());
      CHECK(got == want);
    }
  }
}

TEST_CASE("an xml set that matches nothing and cannot be created is an error") {
  auto object = parse_stack_file("minimal.yaml", "mini");
  object.spec["xml"] = json::array({{{"set", "/domain/devices/disk[2]/@type"}, {"value", "file"}}});
  auto xml = kvm::DomainKind().create_xml(object);
  REQUIRE_FALSE(xml);
  CHECK(xml.error().message() ==
        "domain mini: xml patch 1: set '/domain/devices/disk[2]/@type' matches nothing in the domain XML");
}
