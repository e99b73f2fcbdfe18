// DomainKind::to_stack() on what a real libvirt 9.0 printed (tests/kvm/data):
// the YAML read back gives the spec the observer would see, so a plan after
// `virtplan import` is empty.

#include "kvm/domain_kind.h"
#include "providers/base/stack_yaml.h"
#include "tests/support/stack_round_trip.h"

namespace virtplan::kvm {
namespace {

using nlohmann::json;
using virtplan::test::check_stack_round_trip;

// parse_xml() of a captured XML, with what the reader adds from `virsh list`.
json observed(const std::string& file, const std::string& state, bool autostart) {
  auto spec = DomainKind().parse_xml(
      virtplan::test::read_file(virtplan::test::source_path("tests/kvm/data/" + file)));
  REQUIRE(spec.has_value());
  (*spec)["state"] = state;
  (*spec)["autostart"] = autostart;
  return *spec;
}

TEST_CASE("domain to_stack round-trips real dumpxml output through the YAML reader") {
  const DomainKind kind;
  for (const char* file : {"mini.inactive.xml", "web.inactive.xml", "efi.inactive.xml"}) {
    INFO(file);
    check_stack_round_trip(kind, "web", observed(file, "running", false));
    check_stack_round_trip(kind, "web", observed(file, "stopped", true));
    check_stack_round_trip(kind, "web", observed(file, "paused", false));
  }
}

TEST_CASE("domain to_stack writes sizes with units and leaves defaults out") {
  const std::string text =
      check_stack_round_trip(DomainKind(), "web", observed("mini.inactive.xml", "running", false));
  CHECK(text.find("memory: ") != std::string::npos);
  CHECK(text.find("iB\n") != std::string::npos);
  CHECK(text.find("state:") == std::string::npos);
  CHECK(text.find("autostart:") == std::string::npos);
  CHECK(text.find("machine:") == std::string::npos);
}

TEST_CASE("domain to_stack writes growth room, pins and a stopped state") {
  json spec = observed("mini.inactive.xml", "stopped", true);
  spec["vcpus"] = {{"current", 1}, {"max", 4}};
  spec["memory"] = {{"current", 256ULL << 20}, {"max", 1ULL << 30}};
  spec["cpu"] = {{"mode", "host-passthrough"}, {"pin", {{"0", 2}}}};
  const std::string text = check_stack_round_trip(DomainKind(), "web", spec);
  CHECK(text.find("current: 256MiB") != std::string::npos);
  CHECK(text.find("max: 1GiB") != std::string::npos);
  CHECK(text.find("state: stopped") != std::string::npos);
  CHECK(text.find("autostart: true") != std::string::npos);
}

TEST_CASE("domain to_stack refuses a spec of the wrong shape") {
  CHECK_FALSE(DomainKind().to_stack(json{{"memory", "lots"}}).has_value());
}

}  // namespace
}  // namespace virtplan::kvm
