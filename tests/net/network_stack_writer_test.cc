// NetworkKind::to_stack() on what a real libvirt 9.0 printed (tests/net/data,
// one network per mode, and libvirt's own `default`): the YAML read back gives
// the spec the observer sees, so a plan after `virtplan import` is empty.

#include "net/network_kind.h"
#include "tests/support/stack_round_trip.h"

namespace virtplan::net {
namespace {

using nlohmann::json;
using test::check_stack_round_trip;

json observed(const std::string& file, bool autostart) {
  auto spec = NetworkKind().parse_xml(test::read_file(test::source_path("tests/net/data/" + file + ".xml")));
  REQUIRE(spec.has_value());
  (*spec)["autostart"] = autostart;
  return *spec;
}

TEST_CASE("network to_stack round-trips real net-dumpxml output in every mode") {
  const NetworkKind kind;
  for (const char* file : {"default", "vp-bridge", "vp-isolated", "vp-nat-live", "vp-nat-min", "vp-nat",
                           "vp-open", "vp-route"}) {
    INFO(file);
    check_stack_round_trip(kind, "lan", observed(file, true));
    check_stack_round_trip(kind, "lan", observed(file, false));
  }
}

TEST_CASE("network to_stack writes DHCP and DNS hosts as lists and quotes MACs") {
  const std::string text = check_stack_round_trip(NetworkKind(), "lan", observed("vp-nat", true));
  CHECK(text.find("mode: nat") != std::string::npos);
  CHECK(text.find("mac: \"52:54:00:00:00:10\"") != std::string::npos);
  CHECK(text.find("range: 10.77.0.100-10.77.0.199") != std::string::npos);
  CHECK(text.find("autostart") == std::string::npos);
}

}  // namespace
}  // namespace virtplan::net
