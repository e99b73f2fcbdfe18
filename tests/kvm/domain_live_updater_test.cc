// DomainLiveUpdater's owner metadata: a change of a policy field (restart,
// wait, shutdown_timeout) is written to the config by the redefine and to the
// running domain by `virsh metadata --live`, with the config's whole owner
// element; a stopped domain is only redefined.

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_xml_reader.h"
#include "providers/virsh/quote.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

struct MetadataCase {
  providers::StackObject before, after;
  std::string before_xml, after_xml;
  providers::ActuatorStep step;
};

// restart: if-needed -> never, and a shutdown_timeout given; `state` and an
// xml patch in both.
MetadataCase restart_never(const std::string& state) {
  providers::Diagnostics diags;
  MetadataCase c;
  const std::string base = "memory: 128MiB\nvirt_type: qemu\nstate: " + state +
                           "\nxml: [{set: /domain/on_crash, value: restart}]\n";
  c.before = parse_domain(base, diags);
  c.after = parse_domain(base + "restart: never\nshutdown_timeout: 5s\n", diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  c.before_xml = *kvm::DomainKind().create_xml(c.before);
  c.after_xml = *kvm::DomainKind().create_xml(c.after);
  c.step.desired = c.after;
  c.step.before = c.before.spec;
  c.step.fields = {
      {"/restart", "if-needed", "never", kvm::domain_field_rules().impact("/restart", "if-needed", "never")},
      {"/shutdown_timeout", nullptr, 5, kvm::domain_field_rules().impact("/shutdown_timeout", nullptr, 5)}};
  return c;
}

}  // namespace

TEST_CASE("owner metadata changes go to the running domain with virsh metadata --live", "[actuator]") {
  MetadataCase c = restart_never("running");
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", c.before_xml);
  host.then("dumpxml --inactive --security-info --domain web", c.after_xml);
  auto done = kvm::DomainActuator().update(c.step, host.session());
  REQUIRE(done);
  CHECK(done->warnings.empty());
  REQUIRE(host.ran().size() == 5);
  CHECK(host.ran()[2] == "define /dev/stdin");
  CHECK(host.ran()[3] == "dumpxml --inactive --security-info --domain web");
  const std::string& metadata = host.ran()[4];
  const std::string prefix =
      providers::virsh_join({"metadata", "--domain", "web", "--uri", kvm::DomainOwner::xml_namespace().uri,
                             "--key", "vp", "--set"}) +
      " ";
  REQUIRE(metadata.starts_with(prefix));
  REQUIRE(metadata.ends_with("' --live"));
  // One quoted word: libxml2 writes attribute values in double quotes.
  const std::string element = metadata.substr(prefix.size() + 1, metadata.size() - prefix.size() - 1 - 8);
  auto sent = providers::XmlDocument::parse(element, "test");
  REQUIRE(sent);
  // The config's owner element, whole, in no namespace: libvirt puts it into
  // --uri's and refuses an element that declares it already.
  CHECK(sent->root().name() == "owner");
  CHECK_FALSE(sent->root().namespace_uri());
  CHECK(element.find("xmlns") == std::string::npos);
  CHECK(sent->root().attr("restart") == "never");
  CHECK(sent->root().attr("shutdown-timeout") == "5");
  CHECK(sent->root().attr("stack") == "demo");
  // Its children too (the xml patches), unchanged.
  REQUIRE(sent->root().child("set"));
  CHECK(sent->root().child("set")->attr("path") == "/domain/on_crash");
}

TEST_CASE("owner metadata changes of a stopped domain are only redefined", "[actuator]") {
  MetadataCase c = restart_never("stopped");
  FakeVirshHost host;
  host.on("domstate --domain web", "shut off\n");
  host.on("dumpxml --inactive --security-info --domain web", c.before_xml);
  auto done = kvm::DomainActuator().update(c.step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web", "define /dev/stdin"});
}

// Inline user-data with letters beyond ASCII went to `virsh metadata --set`
// as an argument of a virsh process (visible in ps, audit logs, errors): the
// owner element holds cloud-init's data. Now it goes on an interactive
// virsh's standard input, escaped to printable ASCII (XML character
// references), and no process on the host has it on its command line.
TEST_CASE("owner metadata with non-ASCII user-data goes to virsh on stdin, never on a command line",
          "[actuator]") {
  providers::Diagnostics diags;
  const std::string secret = "p\u00e4ssw\u00f6rd-\u00f1-\u65e5";
  const std::string base =
      "memory: 128MiB\nvirt_type: qemu\nstate: running\n"
      "disks: [{volume: root, pool: images}]\n"
      "cloud_init: {user_data: {chpasswd: {list: 'root:" +
      secret + "'}}}\n";
  MetadataCase c;
  c.before = parse_domain(base, diags);
  c.after = parse_domain(base + "restart: never\n", diags);
  INFO(messages(diags));
  REQUIRE(diags.empty());
  kvm::DomainKind().resolve(c.before, {c.before});  // the seed CD-ROM's pool
  kvm::DomainKind().resolve(c.after, {c.after});
  auto before_xml = kvm::DomainKind().create_xml(c.before);
  auto after_xml = kvm::DomainKind().create_xml(c.after);
  REQUIRE(before_xml);
  REQUIRE(after_xml);
  c.before_xml = *before_xml;
  c.after_xml = *after_xml;
  c.step.desired = c.after;
  c.step.before = c.before.spec;
  c.step.fields = {
      {"/restart", "if-needed", "never", kvm::domain_field_rules().impact("/restart", "if-needed", "never")}};
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", c.before_xml);
  host.then("dumpxml --inactive --security-info --domain web", c.after_xml);
  auto done = kvm::DomainActuator().update(c.step, host.session());
  REQUIRE(done);
  // No process's command line holds the user-data, in any spelling.
  for (const auto& command : host.commands()) {
    for (const auto& word : command.argv) {
      INFO(word);
      CHECK(word.find("root:") == std::string::npos);
      CHECK(word.find("cloud-init") == std::string::npos);
    }
  }
  REQUIRE(host.interactive().size() == 1);
  const std::string& line = host.interactive().front();
  CHECK(std::all_of(line.begin(), line.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f; }));
  CHECK(line.starts_with("metadata --domain web "));
  // What virsh reads back is the same user-data, letter for letter.
  const std::string prefix =
      providers::virsh_join({"metadata", "--domain", "web", "--uri", kvm::DomainOwner::xml_namespace().uri,
                             "--key", "vp", "--set"}) +
      " '";
  REQUIRE(line.starts_with(prefix));
  REQUIRE(line.ends_with("' --live"));
  auto sent =
      providers::XmlDocument::parse(line.substr(prefix.size(), line.size() - prefix.size() - 8), "test");
  REQUIRE(sent);
  auto cloud_init = sent->root().child("cloud-init");
  REQUIRE(cloud_init);
  CHECK(nlohmann::json::parse(cloud_init->text()) == c.after.spec.at("cloud_init"));
  CHECK(cloud_init->text().find(secret) != std::string::npos);
}

TEST_CASE("a metadata set that virsh refuses on stdin fails the update with virsh's error", "[actuator]") {
  MetadataCase c = restart_never("running");
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", c.before_xml);
  host.then("dumpxml --inactive --security-info --domain web", c.after_xml);
  // Every interactive line fails: the fake answers the metadata line with an error.
  const std::string element =
      kvm::DomainOwner::read(providers::XmlDocument::parse(c.after_xml, "t")->root())->unqualified_xml();
  host.fail(
      providers::virsh_join({"metadata", "--domain", "web", "--uri", kvm::DomainOwner::xml_namespace().uri,
                             "--key", "vp", "--set", element, "--live"}),
      "error: Requested operation is not valid: domain is not running\n");
  auto done = kvm::DomainActuator().update(c.step, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message().find("domain is not running") != std::string::npos);
}
