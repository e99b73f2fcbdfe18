#include "providers/xml/document.h"
#include "providers/xml/relax_ng_schema.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <atomic>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace virtplan::providers;

namespace {

const XmlNamespace k_owner{"vp", "https://virtplan.dev/xmlns/owner/1"};

XmlDocument parsed_xml(std::string_view xml) {
  auto document = XmlDocument::parse(xml);
  REQUIRE(document.has_value());
  return std::move(*document);
}

}  // namespace

TEST_CASE("xml: parse reads elements, attributes and text", "[xml]") {
  auto doc = parsed_xml(
      "<domain type='kvm'><name>web</name><devices><disk device='disk'/>"
      "<disk device='cdrom'/><interface/></devices></domain>");
  XmlNode root = doc.root();
  CHECK(root.name() == "domain");
  CHECK(root.attr("type") == "kvm");
  CHECK_FALSE(root.attr("id").has_value());
  REQUIRE(root.child("name"));
  CHECK(root.child("name")->text() == "web");
  CHECK_FALSE(root.child("memory").has_value());
  auto disks = root.child("devices")->children("disk");
  REQUIRE(disks.size() == 2);
  CHECK(disks[1].attr("device") == "cdrom");
  CHECK(root.child("devices")->children().size() == 3);
  CHECK(disks[0].parent() == root.child("devices"));
  CHECK_FALSE(root.parent().has_value());
}

TEST_CASE("xml: parse errors carry libxml2's messages with line and column", "[xml]") {
  auto bad = XmlDocument::parse("<domain>\n  <name>web</nam>\n</domain>", "domain web");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code() == ErrorCode::invalid);
  INFO(bad.error().message());
  CHECK(bad.error().message().starts_with("domain web: 2:"));
  CHECK(bad.error().message().find("mismatch") != std::string::npos);

  CHECK_FALSE(XmlDocument::parse("").has_value());
  CHECK_FALSE(XmlDocument::parse("just text").has_value());
  // An undeclared prefix leaves a document behind in libxml2; still an error.
  auto undeclared = XmlDocument::parse("<a><vp:owner/></a>");
  REQUIRE_FALSE(undeclared.has_value());
  CHECK(undeclared.error().message().find("vp") != std::string::npos);
}

TEST_CASE("xml: parse neither substitutes entities nor loads external ones", "[xml]") {
  std::string secret = std::filesystem::temp_directory_path() / "vp-xml-secret.txt";
  std::ofstream(secret) << "TOPSECRET";
  std::string xml = "<?xml version='1.0'?>\n<!DOCTYPE d [<!ENTITY x SYSTEM 'file://" + secret +
                    "'>]>\n<d><name>&x;</name></d>";
  auto doc = XmlDocument::parse(xml);
  if (doc) {
    CHECK(doc->to_string().find("TOPSECRET") == std::string::npos);
    CHECK(doc->root().child("name")->text().find("TOPSECRET") == std::string::npos);
  }
  std::remove(secret.c_str());
}

TEST_CASE("xml: create and build a document", "[xml]") {
  auto doc = XmlDocument::create("network");
  XmlNode root = doc.root();
  root.add_child("name").set_text("net & <lab>");
  XmlNode ip = root.add_child("ip");
  ip.set_attr("address", "10.0.0.1");
  ip.set_attr("note", "a\"b'c&d<e");
  CHECK(doc.to_string() ==
        "<network>\n"
        "  <name>net &amp; &lt;lab&gt;</name>\n"
        "  <ip address=\"10.0.0.1\" note=\"a&quot;b'c&amp;d&lt;e\"/>\n"
        "</network>\n");
  CHECK(root.child("name")->text() == "net & <lab>");
  CHECK(ip.attr("note") == "a\"b'c&d<e");
  // What we write reads back the same.
  auto again = parsed_xml(doc.to_string());
  CHECK(again.to_string() == doc.to_string());
}

TEST_CASE("xml: set_text takes text literally and replaces children", "[xml]") {
  auto doc = parsed_xml("<a><b><c/></b></a>");
  XmlNode b = *doc.root().child("b");
  b.set_text("&amp; stays");
  CHECK(b.text() == "&amp; stays");
  CHECK(b.children().empty());
  CHECK(doc.to_string() == "<a>\n  <b>&amp;amp; stays</b>\n</a>\n");
}

TEST_CASE("xml: remove_attr, remove and ensure_child", "[xml]") {
  auto doc = parsed_xml("<a x='1'><b/><c/><b/></a>");
  XmlNode root = doc.root();
  CHECK(root.remove_attr("x"));
  CHECK_FALSE(root.remove_attr("x"));
  CHECK_FALSE(root.attr("x"));
  root.child("c")->remove();
  CHECK_FALSE(root.child("c"));
  CHECK(root.children("b").size() == 2);
  XmlNode d = root.ensure_child("d");
  CHECK(root.ensure_child("d") == d);
  CHECK(root.ensure_child("b") == root.children("b")[0]);
  CHECK(doc.to_string() == "<a>\n  <b/>\n  <b/>\n  <d/>\n</a>\n");
}

TEST_CASE("xml: output is re-indented whatever the input's layout", "[xml]") {
  auto doc = parsed_xml("<a>\n      <b>x</b>\n\t<c/>\n</a>\n");
  doc.root().add_child("d").add_child("e");
  CHECK(doc.to_string() == "<a>\n  <b>x</b>\n  <c/>\n  <d>\n    <e/>\n  </d>\n</a>\n");
  // Non-ASCII stays UTF-8, not character references.
  auto text = parsed_xml("<a>caf\xc3\xa9</a>");
  CHECK(text.to_string() == "<a>caf\xc3\xa9</a>\n");
}

TEST_CASE("xml: add_child_copy copies a subtree across documents", "[xml]") {
  auto source = parsed_xml(
      "<domain><metadata><vp:owner xmlns:vp='https://virtplan.dev/xmlns/owner/1'"
      " stack='s'><vp:note>n</vp:note></vp:owner></metadata></domain>");
  auto target = XmlDocument::create("domain");
  XmlNode metadata = target.root().add_child("metadata");
  XmlNode owner = *source.root().child("metadata")->child("owner", k_owner);
  XmlNode copy = metadata.add_child_copy(owner);
  source.root().child("metadata")->remove();  // the copy is independent
  CHECK(copy.namespace_uri() == k_owner.uri);
  CHECK(copy.attr("stack") == "s");
  CHECK(target.to_string() ==
        "<domain>\n  <metadata>\n"
        "    <vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\" stack=\"s\">\n"
        "      <vp:note>n</vp:note>\n    </vp:owner>\n  </metadata>\n</domain>\n");
  auto copied = target.copy();
  target.root().child("metadata")->remove();
  CHECK(copied.root().child("metadata")->child("owner", k_owner));
}

TEST_CASE("xml: namespaced elements are created and found by uri", "[xml]") {
  auto doc = XmlDocument::create("domain");
  XmlNode metadata = doc.root().add_child("metadata");
  XmlNode owner = metadata.add_child("owner", k_owner);
  owner.set_attr("stack", "prod");
  // A child in the same namespace reuses the declaration in scope.
  owner.add_child("ledger", k_owner).set_text("x");
  CHECK(doc.to_string() ==
        "<domain>\n  <metadata>\n"
        "    <vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\" stack=\"prod\">\n"
        "      <vp:ledger>x</vp:ledger>\n    </vp:owner>\n  </metadata>\n</domain>\n");

  // Found by URI even when the document uses another prefix.
  auto other = parsed_xml(
      "<domain><metadata><x:owner xmlns:x='https://virtplan.dev/xmlns/owner/1' "
      "stack='s'/><owner/></metadata></domain>");
  XmlNode md = *other.root().child("metadata");
  REQUIRE(md.child("owner", k_owner));
  CHECK(md.child("owner", k_owner)->attr("stack") == "s");
  CHECK(md.children("owner", k_owner).size() == 1);
  CHECK_FALSE(md.child("owner")->attr("stack"));  // the plain <owner/> is another element
  CHECK_FALSE(md.child("owner", XmlNamespace{"x", "urn:other"}));

  auto rooted = XmlDocument::create("owner", k_owner);
  CHECK(rooted.root().namespace_uri() == k_owner.uri);
  CHECK(rooted.to_string() == "<vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\"/>\n");
}

TEST_CASE("xml: xpath relative to a node, nodes and strings", "[xml]") {
  auto doc = parsed_xml(
      "<domain><name>web</name><devices>"
      "<disk device='disk'><target dev='vda'/></disk>"
      "<disk device='cdrom'><target dev='sda'/></disk></devices>"
      "<metadata><vp:owner xmlns:vp='https://virtplan.dev/xmlns/owner/1' "
      "stack='s1'/></metadata></domain>");
  XmlNode devices = *doc.root().child("devices");
  auto disks = devices.xpath_nodes("disk[@device='disk']");
  REQUIRE(disks);
  REQUIRE(disks->size() == 1);
  CHECK(disks->front().child("target")->attr("dev") == "vda");

  auto targets = devices.xpath_strings("disk/target/@dev");
  REQUIRE(targets);
  CHECK(*targets == std::vector<std::string>{"vda", "sda"});
  CHECK(devices.xpath_strings("count(disk)").value() == std::vector<std::string>{"2"});
  CHECK(doc.root().xpath_string("string(name)").value() == "web");
  CHECK(doc.root().xpath_string("nothing/here").value() == std::nullopt);
  CHECK(devices.xpath_nodes("nothing").value().empty());

  auto owner = doc.root().xpath_string("metadata/o:owner/@stack", {{"o", k_owner.uri}});
  REQUIRE(owner);
  CHECK(*owner == "s1");
}

TEST_CASE("xml: xpath reports invalid expressions clearly", "[xml]") {
  auto doc = parsed_xml("<a/>");
  auto bad = doc.root().xpath_nodes("//b[");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::invalid);
  CHECK(bad.error().message().starts_with("xpath '//b[': "));
  auto unbound = doc.root().xpath_nodes("x:b");
  REQUIRE_FALSE(unbound);
  CHECK(unbound.error().message().find("x:b") != std::string::npos);
  auto not_nodes = doc.root().xpath_nodes("count(b)");
  REQUIRE_FALSE(not_nodes);
  CHECK(not_nodes.error().message().find("not a set of nodes") != std::string::npos);
}

TEST_CASE("xml: relaxng validation against libvirt's schema", "[xml]") {
  const std::string path = "/usr/share/libvirt/schemas/network.rng";
  auto schema = RelaxNgSchema::load(path);
  REQUIRE(schema);
  auto good = parsed_xml(
      "<network><name>lab</name><bridge name='vpbr0'/>"
      "<ip address='10.231.9.1' netmask='255.255.255.0'/></network>");
  CHECK((*schema)->problems(good).empty());
  CHECK((*schema)->validate(good).has_value());

  auto bad = parsed_xml("<network><bridge name='vpbr0'/><colour>red</colour></network>");
  auto problems = (*schema)->problems(bad);
  CHECK_FALSE(problems.empty());
  auto result = (*schema)->validate(bad);
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::invalid);
  CHECK(result.error().message().find(path) != std::string::npos);

  // Cached: the same object comes back.
  CHECK(RelaxNgSchema::load(path).value() == *schema);

  auto missing = RelaxNgSchema::load("/nonexistent/schema.rng");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().starts_with("/nonexistent/schema.rng: "));
}

TEST_CASE("xml: domain.rng validates a minimal domain", "[xml]") {
  auto schema = RelaxNgSchema::load("/usr/share/libvirt/schemas/domain.rng");
  REQUIRE(schema);
  auto good = parsed_xml(
      "<domain type='kvm'><name>web</name><memory unit='KiB'>262144</memory>"
      "<os><type arch='x86_64'>hvm</type></os></domain>");
  CHECK((*schema)->problems(good).empty());
  auto bad = parsed_xml("<domain type='kvm'><memory>lots</memory></domain>");
  CHECK_FALSE((*schema)->problems(bad).empty());
}

TEST_CASE("xml: parsing on several threads at once", "[xml]") {
  init_xml();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::atomic<int> errors_seen{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto good = XmlDocument::parse(fmt::format("<a n='{}'><b/></a>", t * 1000 + i));
        if (good && good->root().attr("n") == std::to_string(t * 1000 + i)) {
          ++ok;
        }
        auto bad = XmlDocument::parse("<a><b></a>");
        if (!bad && bad.error().message().find("mismatch") != std::string::npos) {
          ++errors_seen;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(ok == 1600);
  CHECK(errors_seen == 1600);
}
