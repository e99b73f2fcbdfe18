// The loader rules pools and volumes check: pool types and their source keys,
// target paths, volume sizes, formats and backing volumes.

#include "providers/base/sha256.h"
#include "storage/pool_kind.h"
#include "storage/volume_kind.h"
#include "tests/storage/kind_fixture.h"
#include "tests/support/fifo_feeder.h"

#include <unistd.h>

#include <filesystem>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Impact;
using providers::StackObject;
using Messages = std::vector<std::string>;
using test::parse_object;

TEST_CASE("pool type is required and checked") {
  PoolKind kind;
  CHECK(
      parse_object(kind, "p", "path: /x\n").messages() ==
      Messages{
          "stack.yaml:1:1: pool.p: a pool needs 'type' (dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath)"});
  CHECK(
      parse_object(kind, "p", "type: dri\npath: /x\n").messages() ==
      Messages{
          "stack.yaml:1:7: pool.p: expected one of dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, got 'dri' (did you mean 'dir'?)"});
}

TEST_CASE("pool path is required for file pools and must be absolute") {
  PoolKind kind;
  CHECK(parse_object(kind, "p", "type: dir\n").messages() ==
        Messages{"stack.yaml:1:1: pool.p: a dir pool needs 'path' (where its volumes live)"});
  CHECK(parse_object(kind, "p", "type: dir\npath: images\n").messages() ==
        Messages{"stack.yaml:2:7: pool.p: 'images' is not an absolute path"});
}

TEST_CASE("pool source keys depend on the type") {
  PoolKind kind;
  CHECK(parse_object(kind, "p", "type: dir\npath: /x\nsource: {device: /dev/sdb}\n").messages() ==
        Messages{"stack.yaml:3:18: pool.p: 'device' is not used by dir pools (they take no source)"});
  CHECK(parse_object(kind, "p", "type: fs\npath: /x\nsource: {host: nas}\n").messages() ==
        Messages{"stack.yaml:3:9: pool.p: a fs pool needs source.device",
                 "stack.yaml:3:16: pool.p: 'host' is not used by fs pools (they take device, format)"});
  CHECK(parse_object(kind, "p", "type: netfs\npath: /x\n").messages() ==
        Messages{"stack.yaml:1:1: pool.p: a netfs pool needs source.dir",
                 "stack.yaml:1:1: pool.p: a netfs pool needs source.host"});
  CHECK(
      parse_object(kind, "p", "type: fs\npath: /x\nsource: {device: /dev/sdb, format: ext44}\n").messages() ==
      Messages{
          "stack.yaml:3:36: pool.p: expected one of auto, ext2, ext3, ext4, ufs, iso9660, udf, gfs, gfs2, vfat, hfs+, xfs, ocfs2, vmfs, got 'ext44' (did you mean 'ext4'?)"});
  // an iSCSI target is any name libvirt takes, not only an IQN; an initiator is an IQN
  CHECK(parse_object(kind, "p", "type: iscsi\nsource: {host: san, iqn: storage.example.lun1}\n")
            .messages()
            .empty());
  CHECK(parse_object(kind, "p", "type: iscsi\nsource: {host: san, iqn: 'two words'}\n").messages() ==
        Messages{"stack.yaml:2:26: pool.p: invalid iSCSI target 'two words' (a name without blanks, like "
                 "iqn.2013-06.com.example:target)"});
  CHECK(parse_object(kind, "p",
                     "type: iscsi-direct\nsource: {host: san, iqn: iqn.2013-06.com.example:t, initiator: "
                     "iqn.bad}\n")
            .messages() ==
        Messages{"stack.yaml:2:64: pool.p: invalid iSCSI qualified name 'iqn.bad' (expected like "
                 "iqn.2013-06.com.example:target)"});
  CHECK(parse_object(kind, "p",
                     "type: iscsi-direct\npath: /x\nsource: {host: san, iqn: iqn.2013-06.com.example:t}\n")
            .messages() == Messages{"stack.yaml:2:7: pool.p: a iscsi-direct pool has no target path",
                                    "stack.yaml:3:9: pool.p: a iscsi-direct pool needs source.initiator"});
  CHECK(parse_object(kind, "p", "type: scsi\nsource: {adapter: {type: fc_host, wwnn: xyz}}\n").messages() ==
        Messages{"stack.yaml:2:19: pool.p: an fc_host adapter needs 'wwnn' and 'wwpn'",
                 "stack.yaml:2:41: pool.p: invalid wwnn 'xyz' (16 hex digits)"});
}

TEST_CASE("pool check: two file pools of one host with one path") {
  PoolKind kind;
  auto a = parse_object(kind, "a", "type: dir\npath: /srv/img\n").object;
  auto b = parse_object(kind, "b", "type: dir\npath: /srv/img/\n").object;
  auto c = parse_object(kind, "c", "type: dir\npath: /srv/img\n", "lab2").object;
  std::vector<StackObject> all = {a, b, c};
  providers::Diagnostics diags;
  for (const auto& object : all) kind.check(object, all, diags);
  REQUIRE(diags.size() == 2);
  CHECK(diags.sorted()[0].str() ==
        "stack.yaml:2:7: pool.a@lab1: path /srv/img is also the path of pool.b@lab1 (stack.yaml:2:7)");
}

TEST_CASE("pool active: true unless the stack says, and import writes a stopped pool's") {
  PoolKind kind;
  const json running = {{"type", "dir"}, {"active", true}};
  CHECK(kind.reconcile(parse_object(kind, "p", "type: dir\npath: /x\n").object.spec, running)
            .value("active", false));
  auto stopped = parse_object(kind, "p", "type: dir\npath: /x\nactive: false\n");
  CHECK(stopped.messages().empty());
  CHECK_FALSE(stopped.object.spec.value("active", true));
  // observed stopped: the YAML import prints keeps it so
  auto observed = kind.parse_xml("<pool type='dir'><name>p</name><target><path>/x</path></target></pool>");
  REQUIRE(observed);
  (*observed)["active"] = false;
  (*observed)["autostart"] = true;
  auto yaml = kind.to_stack(*observed);
  REQUIRE(yaml);
  CHECK(yaml->value("active", true) == false);
  (*observed)["active"] = true;
  CHECK_FALSE(kind.to_stack(*observed)->contains("active"));
  // reconcile leaves the stack's word alone
  CHECK_FALSE(kind.reconcile(stopped.object.spec, *observed).value("active", true));
}

TEST_CASE("pool XML virtplan cannot represent is refused with the reason") {
  PoolKind kind;
  auto by_parent = kind.parse_xml(
      "<pool type='scsi'><name>p</name><source><adapter type='scsi_host'><parentaddr unique_id='1'>"
      "<address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></parentaddr></adapter></source>"
      "<target><path>/dev/disk/by-path</path></target></pool>");
  REQUIRE_FALSE(by_parent);
  CHECK(by_parent.error().message().find("<parentaddr>") != std::string::npos);
  VolumeKind volumes;
  auto directory = volumes.parse_xml(
      "<volume type='dir'><name>sub</name><capacity unit='bytes'>0</capacity>"
      "<target><path>/x/sub</path><format type='dir'/></target></volume>");
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message() ==
        "format 'dir' (a directory in the pool) is not a volume virtplan manages");
}

TEST_CASE("pool impact: autostart live, anything else replaces") {
  PoolKind kind;
  CHECK(kind.impact("/autostart", true, false) == Impact::live);
  CHECK(kind.impact("/active", true, false) == Impact::live);
  CHECK(kind.impact("/path", "/a", "/b") == Impact::replace);
  CHECK(kind.impact("/type", "dir", "fs") == Impact::replace);
  CHECK(kind.impact("/source/format", "auto", "ext4") == Impact::replace);
  CHECK(kind.impact("/path", "/a", "/a") == Impact::none);
}

TEST_CASE("volume needs a pool, and a capacity unless source or backing gives one") {
  VolumeKind kind;
  CHECK(parse_object(kind, "v", "capacity: 1GiB\n").messages() ==
        Messages{"stack.yaml:1:1: volume.v: a volume needs 'pool' (the pool it lives in)"});
  CHECK(
      parse_object(kind, "v", "pool: p\n").messages() ==
      Messages{
          "stack.yaml:1:1: volume.v: a volume needs 'capacity' unless it has a 'source' or a 'backing' volume"});
  CHECK(parse_object(kind, "v",
                     "pool: p\nsource: " + test::source_path("tests/storage/data/volume-vp-raw.xml") +
                         "\nformat: qcow2\n")
            .messages()
            .empty());
  CHECK(parse_object(kind, "v", "pool: p\nbacking: base\n").messages().empty());
}

TEST_CASE("volume source: hashed, and checked to exist") {
  VolumeKind kind;
  // parse_object's stack file is "stack.yaml" in the current directory.
  const std::string path = test::source_path("tests/storage/data/volume-vp-raw.xml");
  auto good = parse_object(kind, "v", "pool: p\nsource: " + path + "\n");
  REQUIRE(good.messages().empty());
  CHECK(good.object.spec["source"] == path);
  CHECK(good.object.spec["source_sha256"] == providers::Sha256::of(test::read_file(path)));
  auto missing = parse_object(kind, "v", "pool: p\nsource: ./no-such-image.qcow2\n");
  REQUIRE(missing.messages().size() == 1);
  CHECK(missing.messages()[0].contains("cannot read source file"));
}

// A FIFO blocked the hash forever, a device never ended it.
TEST_CASE("volume source: a FIFO or a device is refused, naming the path") {
  VolumeKind kind;
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("vp-source-fifo-" + std::to_string(::getpid()))).string();
  {
    virtplan::test::FifoFeeder feeder(fifo, "not an image");
    auto from_fifo = parse_object(kind, "v", "pool: p\nsource: " + fifo + "\n");
    REQUIRE(from_fifo.messages().size() == 1);
    CHECK(from_fifo.messages()[0].contains("source file " + fifo + ": is a FIFO, not a regular file"));
  }
  std::filesystem::remove(fifo);
  auto from_device = parse_object(kind, "v", "pool: p\nsource: /dev/zero\n");
  REQUIRE(from_device.messages().size() == 1);
  CHECK(
      from_device.messages()[0].contains("source file /dev/zero: is a character device, not a regular file"));
}

TEST_CASE("volume formats, sizes and overlays are checked") {
  VolumeKind kind;
  CHECK(
      parse_object(kind, "v", "pool: p\ncapacity: 1GiB\nformat: qcow2x\n").messages() ==
      Messages{
          "stack.yaml:3:9: volume.v: unknown volume format 'qcow2x' (did you mean 'qcow2'?) (expected one of raw, qcow2, qcow, qed, vmdk, vdi, vpc, vhd, iso, cow, bochs, cloop, dmg, ploop)"});
  CHECK(parse_object(kind, "v", "pool: p\nbacking: b\nformat: raw\n").messages() ==
        Messages{"stack.yaml:3:9: volume.v: a volume with 'backing' must be qcow2, not raw"});
  CHECK(
      parse_object(
          kind, "v",
          "pool: p\nbacking: v\nsource: " + test::source_path("tests/storage/data/volume-vp-raw.xml") + "\n")
          .messages() ==
      Messages{
          "stack.yaml:1:1: volume.v: a volume takes 'source' or 'backing', not both (an upload would overwrite the overlay)",
          "stack.yaml:1:1: volume.v: volume v cannot be its own backing volume"});
  auto sized = parse_object(kind, "v", "pool: p\ncapacity: 10GiB\n");
  REQUIRE(sized.messages().empty());
  CHECK(sized.object.spec.dump() ==
        R"({"allow_shrink":false,"capacity":10737418240,"format":"raw","pool":"p","protect":false})");
}

TEST_CASE("volume references its pool and its backing volume") {
  VolumeKind kind;
  auto parsed = parse_object(kind, "v", "pool: images\nbacking: base\n");
  auto refs = kind.references(parsed.object);
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].target.address() == "pool.images@lab1");
  CHECK(refs[0].where.str() == "stack.yaml:1:7");
  CHECK(refs[1].target.address() == "volume.base@lab1");
  CHECK(refs[1].where.str() == "stack.yaml:2:10");
}

TEST_CASE("volume check: the backing volume lies in the same pool") {
  VolumeKind kind;
  auto base = parse_object(kind, "base", "pool: other\ncapacity: 1G\nformat: qcow2\n").object;
  auto overlay = parse_object(kind, "v", "pool: images\nbacking: base\n").object;
  std::vector<StackObject> all = {base, overlay};
  providers::Diagnostics diags;
  for (const auto& object : all) kind.check(object, all, diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.sorted()[0].str() ==
        "stack.yaml:2:10: volume.v@lab1: backing volume base is in pool other, not in this volume's "
        "pool images (an overlay and its backing file share a pool)");
}

TEST_CASE("volume impact: capacity live, protect none, format and backing replace") {
  VolumeKind kind;
  CHECK(kind.impact("/capacity", 1024, 2048) == Impact::live);
  CHECK(kind.impact("/capacity", 2048, 1024) == Impact::live);  // refused (refusal()) unless allow_shrink
  CHECK(kind.impact("/protect", false, true) == Impact::none);
  CHECK(kind.impact("/allow_shrink", false, true) == Impact::none);
  CHECK(kind.impact("/format", "raw", "qcow2") == Impact::replace);
  CHECK(kind.impact("/backing", "a", "b") == Impact::replace);
  CHECK(kind.impact("/backing_store/path", "/a/b", "/c/b") == Impact::replace);
  // The source's content decides, not its path; an unrecorded hash never replaces.
  CHECK(kind.impact("/source", "/a", "/b") == Impact::none);
  CHECK(kind.impact("/source_sha256", "aa", "bb") == Impact::replace);
  CHECK(kind.impact("/source_sha256", nullptr, "bb") == Impact::none);
}

TEST_CASE("volume reconcile: what only the ledger knows is compared as the ledger has it") {
  VolumeKind kind;
  json observed = {{"pool", "p"}, {"format", "qcow2"}, {"backing", "b"}, {"capacity", 42}};
  SECTION("nothing recorded: an unknown hash is not compared, flags count as false") {
    json desired = {{"pool", "p"},           {"format", "qcow2"}, {"backing", "b"},       {"protect", true},
                    {"allow_shrink", false}, {"source", "/x"},    {"source_sha256", "aa"}};
    CHECK(kind.reconcile(desired, observed) == json{{"pool", "p"},
                                                    {"format", "qcow2"},
                                                    {"backing", "b"},
                                                    {"capacity", 42},
                                                    {"protect", true},
                                                    {"source", "/x"}});
  }
  SECTION("recorded: compared") {
    observed.update(
        json{{"protect", false}, {"allow_shrink", false}, {"source", "/x"}, {"source_sha256", "aa"}});
    json desired = {{"pool", "p"},           {"format", "qcow2"}, {"backing", "b"},       {"protect", false},
                    {"allow_shrink", false}, {"source", "/x"},    {"source_sha256", "bb"}};
    json want = desired;
    want["capacity"] = 42;
    CHECK(kind.reconcile(desired, observed) == want);
  }
}

TEST_CASE("volume data safety: holders, data at risk, shrink refusal") {
  VolumeKind kind;
  providers::ObjectId id{"volume", "base", "lab1"};
  json observed = {{"capacity", 1024},
                   {"allow_shrink", false},
                   {"used_by", {{{"domain", "web"}, {"disk", "vda"}, {"running", true}}}},
                   {"backing_of", {"o1"}}};
  auto holds = kind.holds(id, observed, false);
  REQUIRE(holds.size() == 2);
  CHECK(holds[0].holder.address() == "domain.web@lab1");
  CHECK(holds[0].how == "disk vda, running");
  CHECK(holds[1].holder.address() == "volume.o1@lab1");
  CHECK(holds[1].how == "backing file");
  CHECK(kind.data_at_risk(observed) == 1024u);
  CHECK(kind.refusal(observed, {{"capacity", 2048}}) == std::nullopt);
  CHECK(kind.refusal(observed, {{"capacity", 512}}) ==
        "capacity 1 KiB -> 512 bytes shrinks the volume (data past 512 bytes is lost); set "
        "allow_shrink: true to allow it");
  CHECK(kind.refusal(observed, {{"capacity", 512}, {"allow_shrink", true}}) ==
        "capacity 1 KiB -> 512 bytes: running domain web uses it (disk vda); a volume in use is "
        "never shrunk");
}

TEST_CASE("pool data safety: a replace is held by the pool's volumes, a destroy is not") {
  PoolKind kind;
  providers::ObjectId id{"pool", "images", "lab1"};
  json observed = {{"type", "dir"}, {"volumes", {"a", "b"}}};
  CHECK(kind.holds(id, observed, false).empty());
  auto holds = kind.holds(id, observed, true);
  REQUIRE(holds.size() == 2);
  CHECK(holds[1].holder.address() == "volume.b@lab1");
}

TEST_CASE("volume summary and sizes read as a person says them") {
  VolumeKind kind;
  CHECK(kind.summary({{"format", "qcow2"}, {"capacity", 10737418240ull}, {"backing", "base"}}) ==
        "qcow2 10 GiB, backing base");
  CHECK(kind.format_value("/capacity", 1610612736ull) == "1.5 GiB");
  CHECK(kind.format_value("/capacity", 100u) == "100 bytes");
  CHECK(kind.format_value("/format", "raw") == "raw");
}

}  // namespace
}  // namespace virtplan::storage
