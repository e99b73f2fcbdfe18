// `wait: {ip: true, timeout: 120s}` on a domain: read from the stack, kept in
// the owner metadata so it reads back from libvirt's XML without a diff, and
// no impact on the guest when it changes.

#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;

TEST_CASE("wait reads ip and a timeout in seconds or minutes, 120 s by default") {
  providers::Diagnostics diags;
  auto given = parse_domain("memory: 256MiB\nwait: {ip: true, timeout: 2m}\n", diags);
  auto plain = parse_domain("memory: 256MiB\nwait: {ip: true}\n", diags);
  auto bare = parse_domain("memory: 256MiB\nwait: {ip: true, timeout: 45}\n", diags);
  auto none = parse_domain("memory: 256MiB\n", diags);
  REQUIRE(messages(diags) == "");
  CHECK(given.spec.at("wait") == json({{"ip", true}, {"timeout", 120}}));
  CHECK(plain.spec.at("wait") == json({{"ip", true}, {"timeout", 120}}));
  CHECK(bare.spec.at("wait") == json({{"ip", true}, {"timeout", 45}}));
  CHECK_FALSE(none.spec.contains("wait"));
}

TEST_CASE("a wait without ip, with a bad timeout or an unknown key is an error at its place") {
  providers::Diagnostics diags;
  parse_domain("memory: 256MiB\nwait: {timeout: 10s}\n", diags);
  parse_domain("memory: 256MiB\nwait: {ip: true, timeout: forever}\n", diags);
  parse_domain("memory: 256MiB\nwait: {ip: true, timeout: 0s}\n", diags);
  parse_domain("memory: 256MiB\nwait: {ip: true, agent: true}\n", diags);
  std::string text = messages(diags);
  CHECK(text.find("wait needs ip (wait: {ip: true})") != std::string::npos);
  CHECK(text.find("wait timeout 'forever': expected seconds from 1s to 3600s (as 120s or 2m)") !=
        std::string::npos);
  CHECK(text.find("wait timeout '0s': expected seconds from 1s to 3600s (as 120s or 2m)") !=
        std::string::npos);
  CHECK(text.find("unknown key 'agent'") != std::string::npos);
}

TEST_CASE("wait round-trips through the domain's XML (owner metadata) and changing it has no impact") {
  providers::Diagnostics diags;
  auto object = parse_domain("memory: 256MiB\nvirt_type: qemu\nwait: {ip: true, timeout: 90s}\n", diags);
  REQUIRE(messages(diags) == "");
  kvm::DomainKind kind;
  auto xml = kind.create_xml(object);
  REQUIRE(xml);
  CHECK(xml->find("wait-ip=\"true\"") != std::string::npos);
  CHECK(xml->find("wait-timeout=\"90\"") != std::string::npos);
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(observed->at("wait") == json({{"ip", true}, {"timeout", 90}}));

  // Without wait, nothing in the metadata and nothing read back.
  auto plain = parse_domain("memory: 256MiB\nvirt_type: qemu\n", diags);
  auto plain_xml = kind.create_xml(plain);
  REQUIRE(plain_xml);
  CHECK(plain_xml->find("wait-ip") == std::string::npos);
  CHECK_FALSE(kind.parse_xml(*plain_xml)->contains("wait"));

  CHECK(kind.impact("/wait/timeout", 90, 120) == providers::Impact::none);
  CHECK(kind.impact("/wait", nullptr, json({{"ip", true}, {"timeout", 120}})) == providers::Impact::none);
}
