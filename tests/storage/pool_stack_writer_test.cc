// PoolKind::to_stack() on what a real libvirt 9.0 printed (tests/storage/data):
// the YAML read back gives the spec the observer sees.

#include "storage/pool_kind.h"
#include "tests/support/stack_round_trip.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
// virtplan::test, named in full: in a unity batch, `test` alone may find
// virtplan::storage::test (tests/storage/reader_driver.h) first.
using virtplan::test::check_stack_round_trip;

json observed(const std::string& name, bool autostart) {
  auto spec = PoolKind().parse_xml(
      virtplan::test::read_file(virtplan::test::source_path("tests/storage/data/pool-" + name + ".xml")));
  REQUIRE(spec.has_value());
  (*spec)["autostart"] = autostart;
  return *spec;
}

TEST_CASE("pool to_stack round-trips real pool-dumpxml output (dir, fs)") {
  const PoolKind kind;
  for (const char* name : {"vp-dir", "vp-fs"}) {
    INFO(name);
    check_stack_round_trip(kind, name, observed(name, true));
    check_stack_round_trip(kind, name, observed(name, false));
  }
}

TEST_CASE("pool to_stack leaves an empty source and autostart true out") {
  const std::string text = check_stack_round_trip(PoolKind(), "vp-dir", observed("vp-dir", true));
  CHECK(text == "path: /var/lib/virtplan/images\ntype: dir\n");  // keys sorted
}

}  // namespace
}  // namespace virtplan::storage
