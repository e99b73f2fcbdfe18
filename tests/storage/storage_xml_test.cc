// Golden XML for every pool type and for raw, qcow2 and overlay volumes,
// validated against libvirt's schemas, and read back into the same spec.

#include "storage/pool_kind.h"
#include "storage/pool_type.h"
#include "storage/volume_kind.h"
#include "tests/storage/kind_fixture.h"
#include "tests/storage/storage_examples.h"

#include <algorithm>
#include <set>

namespace virtplan::storage {
namespace {

using providers::StackObject;
using test::parse_object;
using test::pool_examples;
using test::volume_examples;

// Every example pool and volume, parsed and resolved as the loader does.
std::vector<StackObject> example_stack() {
  PoolKind pools;
  VolumeKind volumes;
  std::vector<StackObject> all;
  for (const auto& example : pool_examples()) {
    auto parsed = parse_object(pools, example.name, example.yaml);
    INFO(example.name);
    REQUIRE(parsed.messages() == std::vector<std::string>{});
    all.push_back(parsed.object);
  }
  for (const auto& example : volume_examples()) {
    auto parsed = parse_object(volumes, example.name, example.yaml);
    INFO(example.name);
    REQUIRE(parsed.messages() == std::vector<std::string>{});
    all.push_back(parsed.object);
  }
  for (StackObject& object : all) {
    if (object.id.kind == "volume") volumes.resolve(object, all);
  }
  return all;
}

const providers::ResourceKind& kind_of(const StackObject& object) {
  static const PoolKind k_pools;
  static const VolumeKind k_volumes;
  if (object.id.kind == "pool") return k_pools;
  return k_volumes;
}

TEST_CASE("pool and volume create_xml match the golden files") {
  for (const StackObject& object : example_stack()) {
    auto xml = kind_of(object).create_xml(object);
    INFO(object.id.address());
    REQUIRE(xml.has_value());
    test::check_golden("tests/storage/golden/" + object.id.kind + "-" + object.id.name + ".xml", *xml);
  }
}

TEST_CASE("pool create_xml is valid for libvirt's storagepool.rng for every type") {
  std::set<std::string> types;
  for (const StackObject& object : example_stack()) {
    if (object.id.kind != "pool") continue;
    auto xml = kind_of(object).create_xml(object);
    REQUIRE(xml.has_value());
    INFO(object.id.address() << "\n" << *xml);
    CHECK(test::schema_problems("storagepool.rng", *xml) == std::vector<std::string>{});
    types.insert(object.spec["type"].get<std::string>());
  }
  CHECK(types.size() == std::size(k_pool_type_names));
}

TEST_CASE("volume create_xml is valid for libvirt's storagevol.rng") {
  for (const StackObject& object : example_stack()) {
    if (object.id.kind != "volume") continue;
    auto xml = kind_of(object).create_xml(object);
    REQUIRE(xml.has_value());
    INFO(object.id.address() << "\n" << *xml);
    CHECK(test::schema_problems("storagevol.rng", *xml) == std::vector<std::string>{});
  }
}

TEST_CASE("pool parse_xml of create_xml gives back the spec") {
  for (const StackObject& object : example_stack()) {
    if (object.id.kind != "pool") continue;
    auto xml = kind_of(object).create_xml(object);
    REQUIRE(xml.has_value());
    auto spec = kind_of(object).parse_xml(*xml);
    REQUIRE(spec.has_value());
    auto want = object.spec;
    want.erase("autostart");  // read with pool-list, not in the XML
    INFO(object.id.address());
    CHECK(spec->dump(2) == want.dump(2));
  }
}

TEST_CASE("pool spec fills in libvirt's defaults") {
  PoolKind kind;
  auto logical = parse_object(kind, "vg0", "type: logical\n");
  REQUIRE(logical.messages().empty());
  CHECK(logical.object.spec.dump() ==
        R"({"autostart":true,"path":"/dev/vg0","source":{"format":"lvm2","name":"vg0"},"type":"logical"})");
  auto dir = parse_object(kind, "d", "type: dir\npath: //srv//images/\nautostart: false\n");
  REQUIRE(dir.messages().empty());
  CHECK(dir.object.spec.dump() == R"({"autostart":false,"path":"/srv/images","source":{},"type":"dir"})");
}

TEST_CASE("volume spec resolves the backing store from the stack's pool and backing volume") {
  auto all = example_stack();
  auto overlay =
      std::find_if(all.begin(), all.end(), [](const StackObject& o) { return o.id.name == "vp-overlay"; });
  REQUIRE(overlay != all.end());
  CHECK(
      overlay->spec.dump() ==
      R"({"allow_shrink":false,"backing":"vp-base","backing_store":{"format":"qcow2","path":"/var/lib/virtplan/images/vp-base"},"capacity":134217728,"format":"qcow2","pool":"vp-dir","protect":false})");
}

TEST_CASE("volume create_xml without a resolved backing store fails") {
  VolumeKind kind;
  auto parsed = parse_object(kind, "o", "pool: p\nbacking: b\n");
  REQUIRE(parsed.messages().empty());
  auto xml = kind.create_xml(parsed.object);
  REQUIRE_FALSE(xml.has_value());
  CHECK(xml.error().message() ==
        "volume.o@lab1: the path of backing volume b is not known (is its pool declared with a "
        "path?)");
}

}  // namespace
}  // namespace virtplan::storage
