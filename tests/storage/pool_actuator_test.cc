#include "storage/pool_actuator.h"
#include "storage/pool_kind.h"

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

ActuatorStep create_step(const std::string& yaml) {
  auto parsed = parse_object(PoolKind(), "images", yaml);
  REQUIRE(parsed.diags.empty());
  return ActuatorStep{parsed.object, nullptr, {}, {}};
}

ActuatorStep destroy_step(json before) {
  ActuatorStep step;
  step.desired.id = {"pool", "images", "lab1"};
  step.desired.stack = "demo";
  step.before = std::move(before);
  return step;
}

const std::string k_dir = "type: dir\npath: /var/lib/virtplan/images\n";

TEST_CASE("pool actuator: create defines, starts and sets autostart in three round trips") {
  FakeVirshHost host;
  host.reply_once("pool-start --pool images",
                  {"",
                   "error: Failed to start pool images\nerror: cannot open directory "
                   "'/var/lib/virtplan/images': No such file or directory\n"});
  auto step = create_step(k_dir);
  auto outcome = PoolActuator().create(step, host.session());
  REQUIRE(outcome.has_value());
  CHECK(host.ran() == Lines{"pool-define /dev/stdin", "pool-start --pool images", "pool-build --pool images",
                            "pool-start --pool images", "pool-autostart --pool images"});
  CHECK(host.stdin_of("pool-define /dev/stdin") == *PoolKind().create_xml(step.desired));
  // A dir pool's start and build are quick: all five share the host's virsh.
  CHECK(host.session().batcher().commands_run() == 5);
  // It made the directory, so destroy may remove it.
  CHECK(outcome->ledger_data == json{{"built", true}});
}

TEST_CASE("pool actuator: a directory that was there is not recorded as built") {
  FakeVirshHost host;
  auto outcome = PoolActuator().create(create_step(k_dir + "autostart: false\n"), host.session());
  REQUIRE(outcome.has_value());
  CHECK(host.ran() == Lines{"pool-define /dev/stdin", "pool-start --pool images"});
  CHECK(outcome->ledger_data == json::object());
}

TEST_CASE("pool actuator: a device pool is never built") {
  FakeVirshHost host;
  host.reply("pool-start --pool images", {"", "error: cannot find volume group 'vg0'\n"});
  auto outcome = PoolActuator().create(create_step("type: logical\nsource: {name: vg0, device: /dev/sdb}\n"),
                                       host.session());
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().message() ==
        "pool.images@lab1: defined, not started: lab1: virsh pool-start: cannot find volume group 'vg0'");
  CHECK(host.ran() == Lines{"pool-define /dev/stdin", "pool-start --pool images"});
  // Starting a device pool may scan, mount or log in: it runs alone.
  CHECK(host.session().batcher().commands_run() == 1);
}

TEST_CASE("pool actuator: a failed define says nothing was done") {
  FakeVirshHost host;
  host.reply("pool-define /dev/stdin",
             {"", "error: operation failed: pool 'images' already exists with uuid 1\n"});
  auto outcome = PoolActuator().create(create_step(k_dir), host.session());
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().message().starts_with("pool.images@lab1: not defined: lab1: virsh pool-define: "));
  CHECK(host.ran() == Lines{"pool-define /dev/stdin"});
}

TEST_CASE("pool actuator: update of autostart only touches autostart") {
  FakeVirshHost host;
  auto step = create_step(k_dir + "autostart: false\n");
  step.desired.spec["active"] = true;
  step.before = step.desired.spec;
  step.before["autostart"] = true;
  step.before["built"] = true;
  step.fields = {FieldChange{"/autostart", true, false, Impact::live}};
  auto outcome = PoolActuator().update(step, host.session());
  REQUIRE(outcome.has_value());
  CHECK(host.ran() == Lines{"pool-autostart --pool images --disable"});
  CHECK(outcome->ledger_data == json{{"built", true}});
}

TEST_CASE("pool actuator: update starts a pool stopped by hand") {
  FakeVirshHost host;
  auto step = create_step(k_dir);
  step.desired.spec["active"] = true;
  step.before = step.desired.spec;
  step.before["active"] = false;
  step.fields = {FieldChange{"/active", false, true, Impact::live}};
  REQUIRE(PoolActuator().update(step, host.session()).has_value());
  CHECK(host.ran() == Lines{"pool-start --pool images"});
}

TEST_CASE("pool actuator: update of another field redefines with the host's UUID") {
  FakeVirshHost host;
  host.reply("pool-dumpxml --inactive --pool images",
             {"<pool type='dir'><name>images</name><uuid>0b3c6a4e-2f0e-4c57-8a57-6f1d3e0b9d11</uuid>"
              "<target><path>/old</path></target></pool>",
              ""});
  auto step = create_step(k_dir);
  step.before = step.desired.spec;
  step.before["path"] = "/old";
  step.fields = {FieldChange{"/path", "/old", "/var/lib/virtplan/images", Impact::replace}};
  REQUIRE(PoolActuator().update(step, host.session()).has_value());
  CHECK(host.ran() == Lines{"pool-dumpxml --inactive --pool images", "pool-define /dev/stdin",
                            "pool-autostart --pool images"});
  CHECK(host.stdin_of("pool-define /dev/stdin").contains("0b3c6a4e-2f0e-4c57-8a57-6f1d3e0b9d11"));
}

TEST_CASE("pool actuator: destroy of a built, empty, running pool removes its directory") {
  FakeVirshHost host;
  host.reply("pool-info --pool images", {"Name:           images\nState:          running\n", ""});
  json before = {{"type", "dir"}, {"path", "/var/lib/virtplan/images"}, {"built", true}};
  auto outcome = PoolActuator().destroy(destroy_step(before), host.session());
  REQUIRE(outcome.has_value());
  CHECK(outcome->warnings.empty());
  CHECK(host.ran() == Lines{"pool-info --pool images", "pool-refresh --pool images", "vol-list --pool images",
                            "pool-destroy --pool images", "pool-delete --pool images",
                            "pool-undefine --pool images"});
  CHECK(host.processes() == 2);
}

TEST_CASE("pool actuator: destroy keeps a directory it did not build or that holds volumes") {
  FakeVirshHost host;
  host.reply("pool-info --pool images", {"State:          running\n", ""});
  SECTION("not built") {
    json before = {{"type", "dir"}, {"path", "/srv/images"}};
    auto outcome = PoolActuator().destroy(destroy_step(before), host.session());
    REQUIRE(outcome.has_value());
    CHECK(outcome->warnings.empty());
    CHECK(host.ran().back() == "pool-undefine --pool images");
    CHECK(std::find(host.ran().begin(), host.ran().end(), "pool-delete --pool images") == host.ran().end());
  }
  SECTION("holds a volume made by hand") {
    host.reply("vol-list --pool images", {" notes.img   /srv/images/notes.img\n", ""});
    json before = {{"type", "dir"}, {"path", "/srv/images"}, {"built", true}};
    auto outcome = PoolActuator().destroy(destroy_step(before), host.session());
    REQUIRE(outcome.has_value());
    CHECK(outcome->warnings ==
          Lines{"pool.images@lab1: directory /srv/images kept: it holds 1 volume the stack does not own"});
    CHECK(host.ran() == Lines{"pool-info --pool images", "pool-refresh --pool images",
                              "vol-list --pool images", "pool-destroy --pool images",
                              "pool-undefine --pool images"});
  }
}

TEST_CASE("pool actuator: destroy of an inactive pool, and of one already gone") {
  FakeVirshHost host;
  SECTION("inactive") {
    host.reply("pool-info --pool images", {"State:          inactive\n", ""});
    host.reply("pool-refresh --pool images", {"", "error: storage pool 'images' is not active\n"});
    host.reply("vol-list --pool images", {"", "error: storage pool 'images' is not active\n"});
    json before = {{"type", "dir"}, {"path", "/srv/images"}, {"built", true}};
    REQUIRE(PoolActuator().destroy(destroy_step(before), host.session()).has_value());
    CHECK(host.ran() == Lines{"pool-info --pool images", "pool-refresh --pool images",
                              "vol-list --pool images", "pool-delete --pool images",
                              "pool-undefine --pool images"});
  }
  SECTION("gone") {
    host.reply("pool-info --pool images",
               {"", "error: failed to get pool 'images'\nerror: Storage pool not found\n"});
    REQUIRE(PoolActuator().destroy(destroy_step(json{{"type", "dir"}}), host.session()).has_value());
    CHECK(host.ran().size() == 3);
  }
}

TEST_CASE("pool kind: a stopped pool is drift, set right live") {
  PoolKind kind;
  auto step = create_step(k_dir);
  json observed = step.desired.spec;
  observed["active"] = false;
  CHECK(kind.reconcile(step.desired.spec, observed)["active"] == true);
  CHECK(kind.impact("/active", false, true) == Impact::live);
}

}  // namespace
}  // namespace virtplan::storage::test
