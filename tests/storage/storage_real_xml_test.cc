// parse_xml() on what a real libvirt 9.0 printed: the dir pool, an fs pool on
// a loop device and the example volumes (raw, qcow2, overlays) were created
// from their golden XML on a lab host and read back with
// `virsh pool-dumpxml --inactive` and `virsh vol-dumpxml` into
// tests/storage/data.

#include "storage/pool_kind.h"
#include "storage/volume_kind.h"
#include "tests/storage/kind_fixture.h"
#include "tests/storage/storage_examples.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::StackObject;
using test::parse_object;
using test::read_file;
using test::source_path;

std::string data(const std::string& name) {
  return read_file(source_path("tests/storage/data/" + name + ".xml"));
}

// What the observer adds to parse_xml's spec: autostart for pools (from
// pool-list), the pool a volume was listed in.
json observed_pool(const std::string& name, bool autostart) {
  PoolKind kind;
  auto spec = kind.parse_xml(data("pool-" + name));
  REQUIRE(spec.has_value());
  (*spec)["autostart"] = autostart;
  return *spec;
}

TEST_CASE("pool parse_xml of real pool-dumpxml equals the desired spec (dir, fs)") {
  PoolKind kind;
  auto dir = parse_object(kind, "vp-dir", test::pool_examples().front().yaml);
  CHECK(kind.reconcile(dir.object.spec, observed_pool("vp-dir", true)).dump(2) ==
        observed_pool("vp-dir", true).dump(2));
  // Defined with the loop device the lab host had.
  auto fs =
      parse_object(kind, "vp-fs", "type: fs\npath: /var/lib/virtplan/fs\nsource: {device: /dev/loop0}\n");
  REQUIRE(fs.messages().empty());
  CHECK(fs.object.spec.dump(2) == observed_pool("vp-fs", true).dump(2));
}

TEST_CASE("volume parse_xml of real vol-dumpxml equals the desired spec") {
  PoolKind pools;
  VolumeKind volumes;
  std::vector<StackObject> all = {parse_object(pools, "vp-dir", test::pool_examples().front().yaml).object};
  for (const auto& example : test::volume_examples()) {
    all.push_back(parse_object(volumes, example.name, example.yaml).object);
  }
  for (StackObject& object : all) {
    if (object.id.kind == "volume") volumes.resolve(object, all);
  }
  for (const StackObject& object : all) {
    if (object.id.kind != "volume") continue;
    INFO(object.id.address());
    auto observed = volumes.parse_xml(data("volume-" + object.id.name));
    REQUIRE(observed.has_value());
    (*observed)["pool"] = "vp-dir";  // the observer lists volumes per pool
    // What the ledger adds once virtplan made it (VolumeActuator's ledger data).
    observed->update(json{{"protect", object.spec.value("protect", false)},
                          {"allow_shrink", object.spec.value("allow_shrink", false)}});
    CHECK(volumes.reconcile(object.spec, *observed).dump(2) == observed->dump(2));
  }
}

TEST_CASE("volume parse_xml reads an overlay's backing volume by name and path") {
  VolumeKind kind;
  auto spec = kind.parse_xml(data("volume-vp-overlay-same-size"));
  REQUIRE(spec.has_value());
  CHECK(
      spec->dump() ==
      R"({"backing":"vp-base","backing_store":{"format":"qcow2","path":"/var/lib/virtplan/images/vp-base"},"capacity":67108864,"format":"qcow2"})");
  // What a migration copies it over (planner/migration_plan.h, kvm/migration_files.h).
  const auto base = kind.volume_base(*spec);
  REQUIRE(base.has_value());
  CHECK(base->where == providers::VolumeBase::Where::pool);
  CHECK(base->name == "vp-base");
  CHECK(base->path == "/var/lib/virtplan/images/vp-base");
  CHECK(base->format == "qcow2");
  CHECK_FALSE(kind.volume_base(*kind.parse_xml(data("volume-vp-base"))).has_value());
}

TEST_CASE("volume parse_xml names a backing file outside the pool by its path") {
  VolumeKind kind;
  std::string xml = data("volume-vp-overlay");
  auto at = xml.find("<path>/var/lib/virtplan/images/vp-base</path>");
  REQUIRE(at != std::string::npos);
  xml.replace(at, std::string("<path>/var/lib/virtplan/images/vp-base</path>").size(),
              "<path>/srv/golden/base.qcow2</path>");
  auto spec = kind.parse_xml(xml);
  REQUIRE(spec.has_value());
  CHECK((*spec)["backing"] == "/srv/golden/base.qcow2");
  // Not a volume of its pool: an image (of the cache, which a migration checks).
  const auto base = kind.volume_base(*spec);
  REQUIRE(base.has_value());
  CHECK(base->where == providers::VolumeBase::Where::image_cache);
  CHECK(base->name == "base.qcow2");
}

TEST_CASE("pool update_xml keeps the UUID and permissions of the host's pool") {
  PoolKind kind;
  auto dir = parse_object(kind, "vp-dir", "type: dir\npath: /var/lib/virtplan/images\n");
  auto xml = kind.update_xml(data("pool-vp-dir"), dir.object);
  REQUIRE(xml.has_value());
  test::check_golden("tests/storage/golden/pool-vp-dir-updated.xml", *xml);
  CHECK(test::schema_problems("storagepool.rng", *xml) == std::vector<std::string>{});
}

TEST_CASE("volume update_xml changes the capacity only") {
  VolumeKind kind;
  auto grown = parse_object(kind, "vp-raw", "pool: vp-dir\ncapacity: 32MiB\n");
  auto xml = kind.update_xml(data("volume-vp-raw"), grown.object);
  REQUIRE(xml.has_value());
  auto spec = kind.parse_xml(*xml);
  REQUIRE(spec.has_value());
  CHECK((*spec)["capacity"] == 33554432);
  CHECK(xml->find("<key>/var/lib/virtplan/images/vp-raw</key>") != std::string::npos);
}

}  // namespace
}  // namespace virtplan::storage
