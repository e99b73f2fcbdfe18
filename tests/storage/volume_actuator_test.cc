#include "storage/volume_actuator.h"
#include "storage/volume_kind.h"

#include "tests/providers/fake_virsh_host.h"
#include "tests/storage/kind_fixture.h"

#include <catch2/catch.hpp>

namespace virtplan::storage::test {
namespace {

using nlohmann::json;
using providers::ActuatorStep;
using providers::FieldChange;
using providers::Impact;
using Lines = std::vector<std::string>;
using providers::test::FakeVirshHost;

constexpr std::uint64_t k_mib = 1024 * 1024;

ActuatorStep step_for(const std::string& name, const std::string& yaml) {
  auto parsed = parse_object(VolumeKind(), name, yaml);
  REQUIRE(parsed.diags.empty());
  return ActuatorStep{parsed.object, nullptr, {}, {}};
}

ActuatorStep grow_step(std::uint64_t before, std::uint64_t after, const std::string& extra = "") {
  auto step =
      step_for("data", "pool: images\nformat: qcow2\ncapacity: " + std::to_string(after) + "\n" + extra);
  step.before = step.desired.spec;
  step.before["capacity"] = before;
  step.fields = {FieldChange{"/capacity", before, after, Impact::live}};
  return step;
}

const std::string k_volume_xml =
    "<volume><name>data</name><target><path>/var/lib/virtplan/images/data</path></target></volume>";

std::string domain_xml(const std::string& name, const std::string& file, const std::string& target) {
  return "<domain type='qemu'><name>" + name +
         "</name><devices><disk type='file' device='disk'>"
         "<source file='" +
         file + "'/><target dev='" + target + "' bus='virtio'/></disk></devices></domain>";
}

TEST_CASE("volume actuator: create sends create_xml to vol-create") {
  FakeVirshHost host;
  auto step = step_for("data", "pool: images\nformat: qcow2\ncapacity: 1GiB\nprotect: true\n");
  auto outcome = VolumeActuator().create(step, host.session());
  REQUIRE(outcome.has_value());
  CHECK(host.ran() == Lines{"vol-create --pool images --file /dev/stdin"});
  CHECK(host.stdin_of("vol-create --pool images --file /dev/stdin") ==
        *VolumeKind().create_xml(step.desired));
  CHECK(outcome->ledger_data == json{{"protect", true}, {"allow_shrink", false}});
}

TEST_CASE("volume actuator: an overlay's backing store goes in the document") {
  FakeVirshHost host;
  auto step = step_for("web", "pool: images\nbacking: base\n");
  step.desired.spec["backing_store"] = {{"path", "/var/lib/virtplan/images/base"}, {"format", "qcow2"}};
  REQUIRE(VolumeActuator().create(step, host.session()).has_value());
  const std::string& xml = host.stdin_of("vol-create --pool images --file /dev/stdin");
  CHECK(xml.contains("<path>/var/lib/virtplan/images/base</path>"));
  CHECK(xml.contains("<format type=\"qcow2\"/>"));
}

TEST_CASE("volume actuator: a failed create names the volume and keeps virsh's words") {
  FakeVirshHost host;
  host.reply(
      "vol-create --pool images --file /dev/stdin",
      {"",
       "error: Failed to create vol from /dev/stdin\nerror: storage volume name 'data' already in use.\n"});
  auto outcome = VolumeActuator().create(step_for("data", "pool: images\ncapacity: 1MiB\n"), host.session());
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().message() ==
        "volume.data@lab1: not created: lab1: virsh vol-create: Failed to create vol from "
        "/dev/stdin: storage volume name 'data' already in use.");
}

TEST_CASE("volume actuator: grow with no running user is vol-resize") {
  FakeVirshHost host;
  host.reply("vol-dumpxml --pool images --vol data", {k_volume_xml, ""});
  host.reply("list --name", {"other\n", ""});
  host.reply("dumpxml --domain other", {domain_xml("other", "/var/lib/virtplan/images/else", "vda"), ""});
  REQUIRE(VolumeActuator().update(grow_step(64 * k_mib, 128 * k_mib), host.session()).has_value());
  CHECK(host.ran() == Lines{"list --name", "vol-dumpxml --pool images --vol data", "dumpxml --domain other",
                            "vol-resize --pool images --vol data --capacity 134217728"});
}

TEST_CASE("volume actuator: grow under a running domain is blockresize through its disk") {
  FakeVirshHost host;
  host.reply("vol-dumpxml --pool images --vol data", {k_volume_xml, ""});
  host.reply("list --name", {"web\n", ""});
  host.reply("dumpxml --domain web", {domain_xml("web", "/var/lib/virtplan/images/data", "vdb"), ""});
  REQUIRE(VolumeActuator().update(grow_step(64 * k_mib, 128 * k_mib), host.session()).has_value());
  CHECK(host.ran().back() == "blockresize --domain web --path vdb --size 134217728B");
}

TEST_CASE("volume actuator: shrink is refused without allow_shrink, and always under a running domain") {
  FakeVirshHost host;
  host.reply("vol-dumpxml --pool images --vol data", {k_volume_xml, ""});
  SECTION("without allow_shrink") {
    auto outcome = VolumeActuator().update(grow_step(128 * k_mib, 64 * k_mib), host.session());
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().message() ==
          "volume.data@lab1: not resized: capacity 128 MiB -> 64 MiB shrinks the volume (data past "
          "64 MiB is lost); set allow_shrink: true to allow it");
    CHECK(host.ran().empty());
  }
  SECTION("allowed, unused") {
    REQUIRE(VolumeActuator()
                .update(grow_step(128 * k_mib, 64 * k_mib, "allow_shrink: true\n"), host.session())
                .has_value());
    CHECK(host.ran().back() == "vol-resize --pool images --vol data --capacity 67108864 --shrink");
  }
  SECTION("allowed, but in use") {
    host.reply("list --name", {"web\n", ""});
    host.reply("dumpxml --domain web", {domain_xml("web", "/var/lib/virtplan/images/data", "vdb"), ""});
    auto outcome =
        VolumeActuator().update(grow_step(128 * k_mib, 64 * k_mib, "allow_shrink: true\n"), host.session());
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().message().contains("running domain web uses it as disk vdb"));
  }
}

TEST_CASE("volume actuator: protect and allow_shrink only change the ledger") {
  FakeVirshHost host;
  auto step = step_for("data", "pool: images\ncapacity: 1MiB\nprotect: true\n");
  step.before = step.desired.spec;
  step.before["protect"] = false;
  step.fields = {FieldChange{"/protect", false, true, Impact::none}};
  auto outcome = VolumeActuator().update(step, host.session());
  REQUIRE(outcome.has_value());
  CHECK(host.ran().empty());
  CHECK(outcome->ledger_data["protect"] == true);
}

TEST_CASE("volume actuator: destroy is vol-delete, and a volume already gone is done") {
  FakeVirshHost host;
  providers::ActuatorStep step;
  step.desired.id = {"volume", "data", "lab1"};
  step.before = {{"pool", "images"}, {"format", "raw"}};
  REQUIRE(VolumeActuator().destroy(step, host.session()).has_value());
  CHECK(host.ran() == Lines{"vol-delete --pool images --vol data"});
  host.reply(
      "vol-delete --pool images --vol data",
      {"",
       "error: failed to get vol 'data'\nerror: Storage volume not found: no storage vol with matching path\n"});
  CHECK(VolumeActuator().destroy(step, host.session()).has_value());
}

}  // namespace
}  // namespace virtplan::storage::test
