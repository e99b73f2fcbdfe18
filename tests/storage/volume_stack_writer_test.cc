// VolumeKind::to_stack() on what a real libvirt 9.0 printed (tests/storage/data):
// the YAML read back (and resolved against its pool and backing volume) gives
// the spec the observer sees.

#include "storage/pool_kind.h"
#include "storage/volume_kind.h"
#include "tests/storage/storage_examples.h"
#include "tests/support/stack_round_trip.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
using virtplan::test::check_stack_round_trip;

json observed(const std::string& name) {
  auto spec = VolumeKind().parse_xml(
      virtplan::test::read_file(virtplan::test::source_path("tests/storage/data/volume-" + name + ".xml")));
  REQUIRE(spec.has_value());
  (*spec)["pool"] = "vp-dir";  // the observer lists volumes per pool
  return *spec;
}

// The pool and the base volume an overlay's YAML refers to.
std::vector<providers::StackObject> neighbours() {
  return {
      virtplan::test::parse_object(PoolKind(), "vp-dir", test::pool_examples().front().yaml).object,
      virtplan::test::parse_object(VolumeKind(), "vp-base", "pool: vp-dir\nformat: qcow2\ncapacity: 64MiB\n")
          .object};
}

TEST_CASE("volume to_stack round-trips real vol-dumpxml output (raw, qcow2, overlays)") {
  const VolumeKind kind;
  for (const char* name : {"vp-raw", "vp-base", "vp-overlay", "vp-overlay-same-size"}) {
    INFO(name);
    check_stack_round_trip(kind, name, observed(name), neighbours());
  }
}

TEST_CASE("volume to_stack writes capacity with units and the backing volume by name") {
  CHECK(check_stack_round_trip(VolumeKind(), "vp-raw", observed("vp-raw"), neighbours()) ==
        "capacity: 16MiB\npool: vp-dir\n");  // keys sorted
  const std::string overlay =
      check_stack_round_trip(VolumeKind(), "vp-overlay", observed("vp-overlay"), neighbours());
  CHECK(overlay.find("backing: vp-base\n") != std::string::npos);
  CHECK(overlay.find("format:") == std::string::npos);
}

TEST_CASE("volume to_stack refuses an overlay whose backing file is outside the pool") {
  json spec = observed("vp-overlay");
  spec["backing"] = "/srv/golden/base.qcow2";
  auto tree = VolumeKind().to_stack(spec);
  REQUIRE_FALSE(tree.has_value());
  CHECK(tree.error().message().find("/srv/golden/base.qcow2 is not a volume of pool vp-dir") !=
        std::string::npos);
}

}  // namespace
}  // namespace virtplan::storage
