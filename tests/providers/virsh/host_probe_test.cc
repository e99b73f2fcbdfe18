#include "providers/virsh/host_probe.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtplan::providers;

namespace {

// Real output captured from a lab host (libvirt 9.0, QEMU 7.2, no /dev/kvm).
std::string data(const std::string& name) {
  // A path, not string +: GCC 12 at -O1 warns falsely (array-bounds) on that one.
  std::ifstream in(std::filesystem::path(VIRTPLAN_SOURCE_DIR) / "tests/providers/data" / name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("host facts from a host without kvm say TCG") {
  auto facts = parse_host_facts(data("version.txt"), data("capabilities-tcg.xml"));
  REQUIRE(facts.has_value());
  CHECK(*facts == HostFacts{"9.0.0", "QEMU 7.2.22", false});
}

TEST_CASE("host facts see kvm when the x86_64 guest offers it") {
  std::string caps = data("capabilities-tcg.xml");
  // The x86_64 guest is the last one; give its arch a kvm domain type.
  const auto at = caps.rfind("<domain type='qemu'/>");
  REQUIRE(at != std::string::npos);
  caps.insert(at, "<domain type='kvm'/>");
  auto facts = parse_host_facts(data("version.txt"), caps);
  REQUIRE(facts.has_value());
  CHECK(facts->kvm);
}

TEST_CASE("host facts refuse output that is not virsh's") {
  CHECK_FALSE(parse_host_facts("hello", data("capabilities-tcg.xml")).has_value());
  auto bad = parse_host_facts(data("version.txt"), "<capabilities>");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().starts_with("capabilities: "));
}

TEST_CASE("probing a host is one virsh round trip and passes its errors on") {
  FakeTransport fake("lab1");
  fake.fail_next(Error(ErrorCode::unreachable, "lab1 (10.231.1.2:22): connection refused"));
  VirshRunner virsh(fake, "qemu:///system");
  auto facts = probe_host(virsh);
  REQUIRE_FALSE(facts.has_value());
  CHECK(facts.error().code() == ErrorCode::unreachable);
  CHECK(fake.commands().size() == 1);
}
