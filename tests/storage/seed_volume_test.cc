// A cloud-init seed volume (storage/cloud_init_volumes.h) through the volume
// kind and actuator: create builds the ISO in memory and uploads it into a raw
// volume of its size, the ledger keeps the inputs so the next plan is empty, a
// new hash is a replace that its domain does not hold (its media is swapped),
// and nothing of it is data lost.

#include "storage/cloud_init_seed.h"
#include "storage/volume_actuator.h"
#include "storage/volume_kind.h"
#include "storage/volume_xml.h"

#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

namespace {

using nlohmann::json;
using virtplan::providers::ActuatorStep;
using virtplan::providers::Impact;
using virtplan::providers::ObjectId;
using virtplan::providers::StackObject;
using virtplan::providers::test::FakeVirshHost;
using virtplan::storage::CloudInitSeed;
using virtplan::storage::CloudInitSeedInput;
using virtplan::storage::VolumeActuator;
using virtplan::storage::VolumeKind;
using Lines = std::vector<std::string>;

CloudInitSeed seed(const std::string& user_data) {
  CloudInitSeedInput input;
  input.user_data = user_data;
  input.hostname = "web";
  return CloudInitSeed(input);
}

// The seed volume as CloudInitVolumes derives it.
ActuatorStep seed_step(const CloudInitSeed& from) {
  StackObject object;
  object.id = ObjectId{"volume", "web-cidata", "lab1"};
  object.stack = "demo";
  object.spec = {{"pool", "images"}, {"format", "raw"}, {"cloud_init", from.to_spec()}};
  return ActuatorStep{object, nullptr, {}, {}};
}

const std::string k_upload = "vol-upload --pool images --vol web-cidata --file /dev/stdin";

}  // namespace

TEST_CASE(
    "seed volume create: the ISO built in memory goes into a raw volume of its size, the ledger keeps the inputs") {
  const CloudInitSeed from = seed("#cloud-config\npassword: hunter2\n");
  auto image = from.image();
  REQUIRE(image);
  FakeVirshHost host;
  auto done = VolumeActuator().create(seed_step(from), host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"vol-create --pool images --file /dev/stdin", k_upload});
  // The upload is the image, byte for byte.
  CHECK(host.stdin_of(k_upload) == std::string(image->begin(), image->end()));
  auto holder =
      virtplan::providers::XmlDocument::parse(host.stdin_of("vol-create --pool images --file /dev/stdin"));
  REQUIRE(holder);
  CHECK(holder->root().child("name")->text() == "web-cidata");
  CHECK(holder->root().child("capacity")->text() == std::to_string(image->size()));
  CHECK(holder->root().child("target")->child("format")->attr("type") == "raw");
  CHECK(done->ledger_data.at("cloud_init") == from.to_spec());
}

TEST_CASE("seed volume create: a failed upload deletes the volume again and says so") {
  FakeVirshHost host;
  host.fail(k_upload, "error: cannot upload: no space left on device\n");
  auto done = VolumeActuator().create(seed_step(seed("#cloud-config\n")), host.session());
  REQUIRE_FALSE(done);
  CHECK(host.ran() == Lines{"vol-create --pool images --file /dev/stdin", k_upload,
                            "vol-delete --pool images --vol web-cidata"});
  CHECK(done.error().message().starts_with(
      "volume.web-cidata@lab1: upload of its image built in memory failed, volume web-cidata deleted again: "));
}

TEST_CASE(
    "seed volume kind: observed with the ledger's inputs it equals the desired spec, and a new hash replaces it, "
    "unheld and losing no data") {
  const CloudInitSeed old_seed = seed("#cloud-config\nruncmd: [one]\n");
  const CloudInitSeed new_seed = seed("#cloud-config\nruncmd: [two]\n");
  json observed = {{"pool", "images"},
                   {"format", "raw"},
                   {"capacity", 374784},
                   {"used_by", json::array({{{"domain", "web"}, {"disk", "sda"}, {"running", true}}})}};
  json desired = {{"pool", "images"}, {"format", "raw"}, {"cloud_init", old_seed.to_spec()}};
  observed.update(virtplan::storage::volume_ledger_data(desired));
  const VolumeKind kind;
  json reconciled = kind.reconcile(desired, observed);
  observed.erase("used_by");
  CHECK(reconciled == observed);
  // libvirt probes the uploaded image and calls its format iso: the same bytes.
  observed["format"] = "iso";
  CHECK(kind.reconcile(desired, observed) == observed);
  observed["format"] = "raw";

  // The hash alone decides: the inputs' own fields (user_data is secret) do not.
  CHECK(kind.impact("/cloud_init/sha256", old_seed.content_hash(), new_seed.content_hash()) ==
        Impact::replace);
  CHECK(kind.impact("/cloud_init/user_data", "a", "b") == Impact::none);
  CHECK(kind.impact("/cloud_init", nullptr, new_seed.to_spec()) == Impact::replace);

  observed["used_by"] = json::array({{{"domain", "web"}, {"disk", "sda"}, {"running", true}}});
  const ObjectId id{"volume", "web-cidata", "lab1"};
  CHECK(kind.holds(id, observed, true).empty());
  REQUIRE(kind.holds(id, observed, false).size() == 1);  // a destroy waits for its domain
  CHECK(kind.data_at_risk(observed) == std::nullopt);
  // A volume that is no seed is held by its domain when replaced, and its data is at risk.
  observed.erase("cloud_init");
  CHECK(kind.holds(id, observed, true).size() == 1);
  CHECK(kind.data_at_risk(observed) == std::uint64_t{374784});
}
