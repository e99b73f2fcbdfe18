// `shareable: true` on a disk (libvirt's <shareable/>): the one way for two
// domains to write one volume (a cluster file system). It is written to the
// XML in libvirt's order, read back, kept by an update, and round-trips
// through the stack writer.

#include <fmt/format.h>

#include "providers/xml/document.h"
#include "providers/xml/relax_ng_schema.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;

namespace {

providers::StackObject shared_disk_domain(bool shareable) {
  providers::Diagnostics diags;
  auto object =
      parse_domain(fmt::format("memory: 1GiB\ndisks:\n  - {{volume: quorum, pool: images, format: raw{}}}\n",
                               shareable ? ", shareable: true" : ""),
                   diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  return object;
}

}  // namespace

TEST_CASE("a shareable disk is <shareable/> after <readonly/>'s place, valid, and reads back as the spec") {
  const auto object = shared_disk_domain(true);
  CHECK(object.spec.at("disks").at("vda").at("shareable") == true);
  auto xml = kvm::DomainKind().create_xml(object);
  REQUIRE(xml);
  CHECK(xml->find("<target dev=\"vda\" bus=\"virtio\"/>\n      <shareable/>") != std::string::npos);
  auto schema = providers::RelaxNgSchema::load("/usr/share/libvirt/schemas/domain.rng");
  REQUIRE(schema);
  auto document = providers::XmlDocument::parse(*xml);
  REQUIRE(document);
  CHECK((*schema)->validate(*document));
  auto read = kvm::DomainKind().parse_xml(*xml);
  REQUIRE(read);
  CHECK(read->at("disks").at("vda").value("shareable", false));
  auto stack = kvm::DomainKind().to_stack(object.spec);
  REQUIRE(stack);
  CHECK(stack->dump().find("\"shareable\":true") != std::string::npos);
}

TEST_CASE("a disk that is not shareable has no shareable key, and an update adds or removes <shareable/>") {
  const auto plain = shared_disk_domain(false);
  CHECK_FALSE(plain.spec.at("disks").at("vda").contains("shareable"));  // specs from before it stay equal
  auto plain_xml = kvm::DomainKind().create_xml(plain);
  REQUIRE(plain_xml);
  CHECK(plain_xml->find("shareable") == std::string::npos);
  auto shared = kvm::DomainKind().update_xml(*plain_xml, shared_disk_domain(true));
  REQUIRE(shared);
  CHECK(shared->find("<shareable/>") != std::string::npos);
  auto unshared = kvm::DomainKind().update_xml(*shared, plain);
  REQUIRE(unshared);
  CHECK(unshared->find("shareable") == std::string::npos);
}
