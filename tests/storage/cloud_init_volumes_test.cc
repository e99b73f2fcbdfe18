// The seed volume derived from a domain's cloud_init: its pool from the seed
// CD-ROM, its inputs read from the files the stack names (relative to the
// stack file), and a content hash that follows user-data.

#include "storage/cloud_init_volumes.h"

#include "storage/cloud_init_seed.h"
#include "tests/support/fifo_feeder.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using virtplan::providers::Diagnostics;
using virtplan::providers::StackObject;
using virtplan::storage::CloudInitSeed;
using virtplan::storage::CloudInitVolumes;

// A stack directory with files; removed at the end.
struct StackDir {
  fs::path path = fs::temp_directory_path() / ("vp-seed-test-" + std::to_string(getpid()));
  StackDir() { fs::create_directories(path / "ci"); }
  ~StackDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

// A domain as the domain kind parses it: a root disk in pool "images" and the
// seed CD-ROM whose pool fill_seed_pool() took from it.
StackObject domain(const StackDir& dir, json cloud_init) {
  StackObject object;
  object.id = {"domain", "web", "lab1"};
  object.stack = "demo";
  object.where = {(dir.path / "stack.yaml").string(), 7, 3};
  object.spec = {{"disks",
                  {{"vda", {{"volume", "web-root"}, {"pool", "images"}, {"bus", "virtio"}}},
                   {"sda",
                    {{"bus", "sata"},
                     {"cdrom", true},
                     {"readonly", true},
                     {"media", {{"volume", "web-cidata"}, {"pool", "images"}, {"format", "raw"}}}}}}},
                 {"cloud_init", cloud_init}};
  return object;
}

}  // namespace

TEST_CASE(
    "a domain's cloud_init derives its seed volume in the CD-ROM's pool, files read from the stack's dir") {
  StackDir dir;
  dir.write("ci/user.yaml", "#cloud-config\npassword: hunter2\n");
  dir.write("ci/net.yaml", "version: 2\n");
  Diagnostics diags;
  auto derived = CloudInitVolumes().expand(
      domain(dir, {{"user_data", "./ci/user.yaml"}, {"network_config", "ci/net.yaml"}}), diags);
  CHECK(diags.empty());
  REQUIRE(derived.size() == 1);
  const StackObject& seed = derived[0];
  CHECK(seed.id.address() == "volume.web-cidata@lab1");
  CHECK(seed.stack == "demo");
  CHECK(seed.spec.at("pool") == "images");
  CHECK(seed.spec.at("format") == "raw");
  const json& spec = seed.spec.at("cloud_init");
  CHECK(spec.at("user_data") == "#cloud-config\npassword: hunter2\n");
  CHECK(spec.at("network_config") == "version: 2\n");
  CHECK(spec.at("hostname") == "web");
  auto rebuilt = CloudInitSeed::from_spec(spec);
  REQUIRE(rebuilt);
  CHECK(spec.at("sha256") == rebuilt->content_hash());
}

TEST_CASE("an inline user_data map becomes #cloud-config text, and changing it changes the seed's hash") {
  StackDir dir;
  Diagnostics diags;
  auto first = CloudInitVolumes().expand(domain(dir, {{"user_data", {{"packages", {"nginx"}}}}}), diags);
  auto second =
      CloudInitVolumes().expand(domain(dir, {{"user_data", {{"packages", {"nginx", "git"}}}}}), diags);
  CHECK(diags.empty());
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  std::string text = first[0].spec.at("cloud_init").at("user_data");
  CHECK(text.starts_with("#cloud-config\n"));
  CHECK(json::parse(text.substr(text.find('\n') + 1)) == json{{"packages", {"nginx"}}});
  CHECK(first[0].spec.at("cloud_init").at("sha256") != second[0].spec.at("cloud_init").at("sha256"));
  // Same stack, same seed.
  auto again = CloudInitVolumes().expand(domain(dir, {{"user_data", {{"packages", {"nginx"}}}}}), diags);
  CHECK(again[0].spec == first[0].spec);
}

TEST_CASE("a user_data file that cannot be read is reported at the domain, and no seed is derived") {
  StackDir dir;
  Diagnostics diags;
  auto derived = CloudInitVolumes().expand(domain(dir, {{"user_data", "missing.yaml"}}), diags);
  CHECK(derived.empty());
  auto messages = diags.sorted();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].str() == (dir.path / "stack.yaml").string() +
                                 ":7:3: domain.web@lab1: cloud_init user_data: "
                                 "cannot read " +
                                 (dir.path / "missing.yaml").string());
}

TEST_CASE("domains without cloud_init, or whose seed has no pool, derive nothing") {
  StackDir dir;
  Diagnostics diags;
  StackObject plain = domain(dir, json::object());
  plain.spec.erase("cloud_init");
  CHECK(CloudInitVolumes().expand(plain, diags).empty());
  StackObject no_pool = domain(dir, {{"user_data", {{"a", 1}}}});
  no_pool.spec["disks"]["sda"]["media"].erase("pool");
  CHECK(CloudInitVolumes().expand(no_pool, diags).empty());
  CHECK(diags.empty());
}

// A FIFO blocked the read until something wrote to it (forever, usually),
// and a device never ended: only regular files are read, the path named.
TEST_CASE("a FIFO or a device as user_data or network_config is refused, naming the path") {
  StackDir dir;
  dir.write("ci/user.yaml", "#cloud-config\n");
  virtplan::test::FifoFeeder user_fifo((dir.path / "ci/fifo-user.yaml").string(), "#cloud-config\n");
  virtplan::test::FifoFeeder net_fifo((dir.path / "ci/fifo-net.yaml").string(), "version: 2\n");
  const std::string at = (dir.path / "stack.yaml").string() + ":7:3: domain.web@lab1: cloud_init ";
  struct Case {
    json cloud_init;
    std::string message;
  };
  const std::vector<Case> cases{
      {{{"user_data", "ci/fifo-user.yaml"}},
       at + "user_data: " + (dir.path / "ci/fifo-user.yaml").string() + ": is a FIFO, not a regular file"},
      {{{"user_data", "ci/user.yaml"}, {"network_config", "ci/fifo-net.yaml"}},
       at + "network_config: " + (dir.path / "ci/fifo-net.yaml").string() +
           ": is a FIFO, not a regular file"},
      {{{"user_data", "/dev/zero"}}, at + "user_data: /dev/zero: is a character device, not a regular file"},
  };
  for (const auto& c : cases) {
    INFO(c.cloud_init.dump());
    Diagnostics diags;
    auto derived = CloudInitVolumes().expand(domain(dir, c.cloud_init), diags);
    CHECK(derived.empty());
    auto messages = diags.sorted();
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].str() == c.message);
  }
}
