// A volume from an image by URL through the volume actuator, on a host that
// records its commands: the host's fetch script gets the URL, the digest and
// the cache only as arguments (a hostile URL stays one word), the volume is
// made from the cached file by virsh on the host, an overlay names the
// cached file as its backing store, and the ledger keeps the digest.

#include "storage/volume_actuator.h"

#include "providers/xml/document.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using nlohmann::json;
using virtplan::providers::ActuatorStep;
using virtplan::providers::Command;
using virtplan::providers::CommandOutput;
using virtplan::providers::ObjectId;
using virtplan::providers::StackObject;
using virtplan::providers::test::FakeVirshHost;
using virtplan::storage::VolumeActuator;

const std::string k_digest(64, 'a');
const std::string k_cached = "/var/lib/virtplan/cache/sha256-" + k_digest;
// Every shell's favourite: a command substitution, a quote, a backtick.
const std::string k_url = "http://images.example/$(reboot)';`id`.qcow2";

ActuatorStep step_for(json spec) {
  StackObject object;
  object.id = ObjectId{"volume", "root", "lab1", "images"};
  object.stack = "demo";
  object.spec = std::move(spec);
  return ActuatorStep{object, nullptr, {}, {}};
}

// The fetch script's report of a 1 MiB qcow2 in the cache.
void cached_qcow2(FakeVirshHost& host) {
  host.on_other(
      "sh", CommandOutput{0,
                          "fetching curl\nprogress 9 9\nimage " + k_cached +
                              "\n{\"virtual-size\": 1048576, \"format\": \"qcow2\", \"actual-size\": 9}\n",
                          ""});
}

const Command& fetch_command(const std::vector<Command>& commands) {
  auto it = std::find_if(commands.begin(), commands.end(),
                         [](const Command& c) { return !c.argv.empty() && c.argv[0] == "sh"; });
  REQUIRE(it != commands.end());
  return *it;
}

}  // namespace

TEST_CASE("image volume: fetched into the host's cache by arguments only, then uploaded there by virsh") {
  FakeVirshHost host;
  cached_qcow2(host);
  auto done = VolumeActuator().create(
      step_for({{"pool", "images"}, {"format", "qcow2"}, {"source_url", k_url}, {"source_sha256", k_digest}}),
      host.session());
  REQUIRE(done);
  const auto commands = host.commands();
  const Command& fetch = fetch_command(commands);
  // sh -c SCRIPT NAME CACHE URL ALGORITHM DIGEST STALL STACK RETRIES: the script is constant.
  REQUIRE(fetch.argv.size() == 11);
  CHECK(fetch.argv[1] == "-c");
  CHECK(fetch.argv[2].find("images.example") == std::string::npos);
  CHECK(fetch.argv[3] == "virtplan-fetch");
  CHECK(fetch.argv[4] == "/var/lib/virtplan/cache");
  CHECK(fetch.argv[5] == k_url);
  CHECK(fetch.argv[6] == "sha256");
  CHECK(fetch.argv[7] == k_digest);
  CHECK(fetch.argv[8] == "60");
  CHECK(fetch.argv[9] == "demo");
  CHECK(fetch.argv[10] == "3");
  // Made in the image's format and size, then filled from the cached file on the host.
  const std::string upload = "vol-upload --pool images --vol root --file " + k_cached;
  CHECK(std::count(host.ran().begin(), host.ran().end(), upload) == 1);
  auto holder =
      virtplan::providers::XmlDocument::parse(host.stdin_of("vol-create --pool images --file /dev/stdin"));
  REQUIRE(holder);
  CHECK(holder->root().child("capacity")->text() == "1048576");
  CHECK(done->ledger_data["source_url"] == k_url);
  CHECK(done->ledger_data["source_sha256"] == k_digest);
}

TEST_CASE("image volume: another format goes through a staging volume libvirt converts") {
  FakeVirshHost host;
  cached_qcow2(host);
  auto done = VolumeActuator().create(
      step_for({{"pool", "images"}, {"format", "raw"}, {"source_url", k_url}, {"source_sha256", k_digest}}),
      host.session());
  REQUIRE(done);
  const auto& ran = host.ran();
  CHECK(std::count(ran.begin(), ran.end(), "vol-upload --pool images --vol root.upload --file " + k_cached) ==
        1);
  CHECK(std::count(ran.begin(), ran.end(),
                   "vol-create-from --pool images --file /dev/stdin --vol root.upload --inputpool images") ==
        1);
  CHECK(std::count(ran.begin(), ran.end(), "vol-delete --pool images --vol root.upload") == 1);
}

TEST_CASE("image volume: a digest mismatch makes no volume and says both digests") {
  FakeVirshHost host;
  host.on_other("sh", CommandOutput{1, "fetching curl\nerror digest " + std::string(64, 'f') + "\n", ""});
  auto done = VolumeActuator().create(
      step_for({{"pool", "images"}, {"format", "qcow2"}, {"source_url", k_url}, {"source_sha256", k_digest}}),
      host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message() == "volume.root@lab1: not created: " + k_url +
                                      " does not match its sha256: expected " + k_digest + ", got " +
                                      std::string(64, 'f') + " (the download was deleted)");
  CHECK(std::none_of(host.ran().begin(), host.ran().end(),
                     [](const std::string& line) { return line.starts_with("vol-create"); }));
}

TEST_CASE("image overlay: a qcow2 volume whose backing store is the cached image") {
  FakeVirshHost host;
  cached_qcow2(host);
  auto done = VolumeActuator().create(step_for({{"pool", "images"},
                                                {"format", "qcow2"},
                                                {"capacity", 4194304},
                                                {"backing_url", k_url},
                                                {"backing_sha256", k_digest}}),
                                      host.session());
  REQUIRE(done);
  auto xml =
      virtplan::providers::XmlDocument::parse(host.stdin_of("vol-create --pool images --file /dev/stdin"));
  REQUIRE(xml);
  CHECK(xml->root().child("backingStore")->child("path")->text() == k_cached);
  CHECK(xml->root().child("backingStore")->child("format")->attr("type") == "qcow2");
  CHECK(xml->root().child("capacity")->text() == "4194304");
  CHECK(std::none_of(host.ran().begin(), host.ran().end(),
                     [](const std::string& line) { return line.starts_with("vol-upload"); }));
  CHECK(done->ledger_data["backing_sha256"] == k_digest);
}

namespace {

// An overlay of the cached image observed on the source, moving with its
// domain, and the same overlay as the destination's declaration says it.
const json k_moving_observed = {
    {"pool", "images"},     {"format", "qcow2"},
    {"backing", k_cached},  {"backing_store", {{"path", k_cached}, {"format", "qcow2"}}},
    {"backing_url", k_url}, {"backing_sha256", k_digest}};

// The step of a volume moving to lab2: declared there, observed on the source.
ActuatorStep moving_to(json declared, json observed = k_moving_observed) {
  ActuatorStep step = step_for(std::move(declared));
  step.desired.id.host = "lab2";
  step.before = std::move(observed);
  return step;
}

}  // namespace

TEST_CASE(
    "migrating image overlay: its image is fetched into the destination's cache by the source's digest") {
  FakeVirshHost to;
  cached_qcow2(to);
  const std::string mirror = "https://mirror.example/d.qcow2";
  json declared = k_moving_observed;
  declared["backing_url"] = mirror;  // a mirror: the same image
  auto done = VolumeActuator().prepare_carried(moving_to(declared), to.session());
  REQUIRE(done);
  const auto commands = to.commands();
  const Command& fetch = fetch_command(commands);
  REQUIRE(fetch.argv.size() == 11);
  CHECK(fetch.argv[3] == "virtplan-fetch");
  CHECK(fetch.argv[4] == "/var/lib/virtplan/cache");
  CHECK(fetch.argv[5] == mirror);
  CHECK(fetch.argv[6] == "sha256");
  CHECK(fetch.argv[7] == k_digest);
  CHECK(fetch.argv[9] == "demo");
  // Fetched only, no virsh: the volume is the migration's to make.
  CHECK(commands.size() == 1);

  SECTION("a declaration of another image fetches the one the overlay was made of, from its URL") {
    FakeVirshHost other;
    cached_qcow2(other);
    declared["backing_sha256"] = std::string(64, 'b');
    REQUIRE(VolumeActuator().prepare_carried(moving_to(declared), other.session()));
    const auto others = other.commands();
    const Command& again = fetch_command(others);
    CHECK(again.argv[5] == k_url);
    CHECK(again.argv[7] == k_digest);
  }
}

TEST_CASE("migrating image overlay: an image the destination cannot fetch names the volume, image and host") {
  FakeVirshHost to;
  to.on_other("sh", CommandOutput{1,
                                  "fetching curl\nerror fetch curl 22 curl: (22) The requested URL returned "
                                  "error: 404 \n",
                                  ""});
  auto done = VolumeActuator().prepare_carried(moving_to(k_moving_observed), to.session());
  REQUIRE_FALSE(done);
  const std::string& message = done.error().message();
  INFO(message);
  CHECK(
      message.starts_with("volume root is an overlay of the image sha256-" + k_digest + " (" + k_url +
                          "), which could not be fetched into lab1's image cache /var/lib/virtplan/cache: "));
  CHECK(message.find("404") != std::string::npos);
}

TEST_CASE("migrating volume that is no overlay of an image by URL: nothing is fetched") {
  FakeVirshHost to;
  json pool_overlay = k_moving_observed;
  pool_overlay.erase("backing_url");
  pool_overlay["backing"] = "base";
  for (const json& observed : {json{{"pool", "images"}, {"format", "raw"}}, pool_overlay}) {
    REQUIRE(VolumeActuator().prepare_carried(moving_to(observed, observed), to.session()));
  }
  CHECK(to.commands().empty());
}
