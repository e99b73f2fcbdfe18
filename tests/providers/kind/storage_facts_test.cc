#include "providers/kind/storage_facts.h"

#include <catch2/catch.hpp>

using virtplan::providers::cached_image_digest;
using virtplan::providers::digest_algorithm;
using virtplan::providers::digest_hex_digits;
using virtplan::providers::pool_of_files;

TEST_CASE("a pool of files is a dir, fs or netfs pool: its volumes are files named after them") {
  for (const char* files : {"dir", "fs", "netfs"}) CHECK(pool_of_files(files));
  for (const char* other : {"logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", ""})
    CHECK_FALSE(pool_of_files(other));
}

TEST_CASE(
    "an overlay's base is a volume of its pool when its spec names it by a bare name, else a cached image") {
  using nlohmann::json;
  using virtplan::providers::volume_base_of;
  using Where = virtplan::providers::VolumeBase::Where;
  const json store = {{"path", "/pools/p/base"}, {"format", "qcow2"}};
  const auto pool = volume_base_of({{"backing", "base"}, {"backing_store", store}});
  REQUIRE(pool.has_value());
  CHECK(pool->where == Where::pool);
  CHECK(pool->name == "base");
  CHECK(pool->path == "/pools/p/base");
  CHECK(pool->format == "qcow2");
  // An image by URL: even a bare name is the cache's file, not a volume.
  const std::string cached = "/var/lib/virtplan/cache/sha256-" + std::string(64, 'a');
  for (const json& spec :
       {json{{"backing", "base"}, {"backing_url", "https://x/b.qcow2"}, {"backing_store", store}},
        json{{"backing", cached}, {"backing_store", {{"path", cached}}}}}) {
    const auto image = volume_base_of(spec);
    REQUIRE(image.has_value());
    CHECK(image->where == Where::image_cache);
  }
  CHECK(volume_base_of({{"backing", cached}, {"backing_store", {{"path", cached}}}})->name ==
        "sha256-" + std::string(64, 'a'));
  CHECK(volume_base_of({{"backing", cached}, {"backing_store", {{"path", cached}}}})->format == "raw");
  CHECK_FALSE(volume_base_of({{"capacity", 1}}).has_value());
}

TEST_CASE("a cached image's file name is its digest: sha256- or sha512- and as many lowercase hex digits") {
  const std::string hex256(64, 'a'), hex512(128, '0');
  const auto sha256 = cached_image_digest("sha256-" + hex256);
  REQUIRE(sha256.has_value());
  CHECK(sha256->algorithm == "sha256");
  CHECK(sha256->hex == hex256);
  const auto sha512 = cached_image_digest("sha512-" + hex512);
  REQUIRE(sha512.has_value());
  CHECK(sha512->algorithm == "sha512");
  for (const std::string& other : {"sha256-" + hex512, "sha512-" + hex256, "sha256-" + hex256.substr(1),
                                   "sha256-" + std::string(64, 'A'), "md5-" + std::string(32, 'a'),
                                   std::string("debian-12.qcow2"), std::string("sha256-")}) {
    INFO(other);
    CHECK_FALSE(cached_image_digest(other).has_value());
  }
}

TEST_CASE("a digest's algorithm and its length in hex digits are one rule, read both ways") {
  CHECK(digest_algorithm(64) == "sha256");
  CHECK(digest_algorithm(128) == "sha512");
  CHECK(digest_algorithm(32).empty());
  CHECK(digest_hex_digits("sha256") == 64);
  CHECK(digest_hex_digits("sha512") == 128);
  CHECK(digest_hex_digits("md5") == 0);
  for (const std::string_view algorithm : {"sha256", "sha512"})
    CHECK(digest_algorithm(digest_hex_digits(algorithm)) == algorithm);
}
