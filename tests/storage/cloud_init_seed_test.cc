// The NoCloud seed image, read back with a minimal ISO 9660 reader written
// here (primary volume descriptor, root directory, Rock Ridge NM names), so
// the test does not trust libisofs to check libisofs.

#include "storage/cloud_init_seed.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using virtplan::storage::CloudInitSeed;
using virtplan::storage::CloudInitSeedInput;

constexpr std::size_t k_block = 2048;

std::uint32_t le32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint32_t>(b.at(at)) | static_cast<std::uint32_t>(b.at(at + 1)) << 8 |
         static_cast<std::uint32_t>(b.at(at + 2)) << 16 | static_cast<std::uint32_t>(b.at(at + 3)) << 24;
}

std::string text_at(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t length) {
  REQUIRE(at + length <= b.size());
  return std::string(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + length));
}

// The Rock Ridge name (NM entry) in a directory record's system use area.
std::optional<std::string> rock_ridge_name(const std::vector<std::uint8_t>& b, std::size_t record) {
  std::size_t length = b.at(record);
  std::size_t id_length = b.at(record + 32);
  std::size_t at = record + 33 + id_length + (id_length % 2 == 0 ? 1 : 0);
  std::string name;
  while (at + 4 <= record + length) {
    std::size_t entry_length = b.at(at + 2);
    if (entry_length < 4) break;
    if (b.at(at) == 'N' && b.at(at + 1) == 'M') name += text_at(b, at + 5, entry_length - 5);
    at += entry_length;
  }
  if (name.empty()) return std::nullopt;
  return name;
}

struct IsoContents {
  std::string volume_id;
  bool joliet = false;
  std::map<std::string, std::string> files;  // by Rock Ridge name
};

IsoContents read_iso(const std::vector<std::uint8_t>& image) {
  IsoContents out;
  REQUIRE(image.size() % k_block == 0);
  REQUIRE(image.size() >= 17 * k_block);
  std::size_t pvd = 16 * k_block;
  REQUIRE(image.at(pvd) == 1);
  REQUIRE(text_at(image, pvd + 1, 5) == "CD001");
  out.volume_id = text_at(image, pvd + 40, 32);
  out.volume_id.erase(out.volume_id.find_last_not_of(' ') + 1);
  // Further descriptors up to the terminator (255): type 2 with a UCS-2
  // escape sequence is Joliet.
  for (std::size_t d = pvd + k_block; d + k_block <= image.size() && image.at(d) != 255; d += k_block) {
    if (image.at(d) == 2 && image.at(d + 88) == '%' && image.at(d + 89) == '/') out.joliet = true;
  }
  std::size_t root = pvd + 156;
  std::size_t extent = le32(image, root + 2) * k_block;
  std::size_t size = le32(image, root + 10);
  for (std::size_t at = extent; at < extent + size;) {
    std::size_t length = image.at(at);
    if (length == 0) {  // records do not cross blocks: skip to the next one
      at = (at / k_block + 1) * k_block;
      continue;
    }
    bool directory = (image.at(at + 25) & 2) != 0;
    if (!directory) {
      auto name = rock_ridge_name(image, at);
      REQUIRE(name);
      out.files[*name] = text_at(image, le32(image, at + 2) * k_block, le32(image, at + 10));
    }
    at += length;
  }
  return out;
}

CloudInitSeedInput sample_input() {
  CloudInitSeedInput input;
  input.user_data = "#cloud-config\npassword: hunter2\nruncmd: [echo hi]\n";
  input.hostname = "web";
  return input;
}

std::vector<std::uint8_t> image_of(const CloudInitSeed& seed) {
  auto image = seed.image();
  REQUIRE(image);
  return *image;
}

}  // namespace

TEST_CASE("the cloud-init seed is an ISO 9660 volume labelled cidata with user-data and meta-data") {
  CloudInitSeed seed(sample_input());
  IsoContents iso = read_iso(image_of(seed));
  CHECK(iso.volume_id == "cidata");
  CHECK(iso.joliet);
  REQUIRE(iso.files.size() == 2);
  CHECK(iso.files.at("user-data") == sample_input().user_data);
  CHECK(iso.files.at("meta-data") == "instance-id: " + seed.instance_id() + "\nlocal-hostname: web\n");
  CHECK(seed.instance_id() == "iid-" + seed.content_hash().substr(0, 16));
}

TEST_CASE("the cloud-init seed carries network-config and extra meta-data lines when given") {
  CloudInitSeedInput input = sample_input();
  input.network_config = "version: 2\nethernets: {eth0: {dhcp4: true}}\n";
  input.meta_data = "public-keys: [ssh-ed25519 AAAA]";
  CloudInitSeed seed(input);
  IsoContents iso = read_iso(image_of(seed));
  REQUIRE(iso.files.size() == 3);
  CHECK(iso.files.at("network-config") == *input.network_config);
  CHECK(iso.files.at("meta-data") ==
        "instance-id: " + seed.instance_id() + "\nlocal-hostname: web\npublic-keys: [ssh-ed25519 AAAA]\n");
}

TEST_CASE("the same cloud-init inputs give the same image bytes, later too") {
  auto first = image_of(CloudInitSeed(sample_input()));
  // Past a second: a timestamp taken from the clock would differ now.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto second = image_of(CloudInitSeed(sample_input()));
  CHECK(first == second);
  CHECK(CloudInitSeed(sample_input()).content_hash() == CloudInitSeed(sample_input()).content_hash());
}

TEST_CASE("changed user-data is a new content hash, a new instance-id and a new image") {
  CloudInitSeedInput changed = sample_input();
  changed.user_data += "packages: [nginx]\n";
  CloudInitSeed before(sample_input());
  CloudInitSeed after(changed);
  CHECK(before.content_hash() != after.content_hash());
  CHECK(before.instance_id() != after.instance_id());
  CHECK(image_of(before) != image_of(after));
  CHECK(read_iso(image_of(after)).files.at("user-data") == changed.user_data);
  // Each input counts, including one that is only present or absent.
  CloudInitSeedInput with_network = sample_input();
  with_network.network_config = "";
  CHECK(CloudInitSeed(with_network).content_hash() != before.content_hash());
}

TEST_CASE("a cloud-init seed spec reads back into the same seed, and a wrong one is refused") {
  CloudInitSeedInput input = sample_input();
  input.network_config = "version: 2\n";
  CloudInitSeed seed(input);
  auto spec = seed.to_spec();
  CHECK(spec.at("sha256") == seed.content_hash());
  auto back = CloudInitSeed::from_spec(spec);
  REQUIRE(back);
  CHECK(back->input() == input);
  CHECK(back->content_hash() == seed.content_hash());

  // The hash in a spec is recomputed, not trusted.
  spec["sha256"] = "0000";
  CHECK(CloudInitSeed::from_spec(spec)->content_hash() == seed.content_hash());

  auto missing = CloudInitSeed::from_spec(nlohmann::json{{"network_config", "x"}});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "cloud-init seed: expected an object with user_data text");
  auto wrong = CloudInitSeed::from_spec(nlohmann::json{{"user_data", "x"}, {"hostname", 3}});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message() == "cloud-init seed: hostname must be text");
}
