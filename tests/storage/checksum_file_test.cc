// Checksum files as distributions publish them (SHA256SUMS, SHA512SUMS):
// the digest of the image's file name, in any of the usual line styles.

#include "storage/checksum_file.h"

#include <catch2/catch.hpp>

namespace virtplan::storage {
namespace {

const std::string k_a(64, 'a');
const std::string k_b(64, 'b');
const std::string k_long(128, 'c');

TEST_CASE("checksum file: the image's file name comes from the URL's path") {
  CHECK(image_file_name("https://cloud.example/images/debian-12.qcow2") == "debian-12.qcow2");
  CHECK(image_file_name("https://cloud.example/d.qcow2?token=1#frag") == "d.qcow2");
  CHECK(image_file_name("https://cloud.example/dir/") == "");
}

TEST_CASE("checksum file: coreutils lines, text and binary mode, ./ prefixes") {
  const std::string sums = k_a + "  other.qcow2\n" + k_b + " *debian-12.qcow2\n";
  auto found = digest_in_sums(sums, "debian-12.qcow2");
  REQUIRE(found.has_value());
  CHECK(found->algorithm == "sha256");
  CHECK(found->hex == k_b);
  CHECK(digest_in_sums(k_a + "  ./d.raw\n", "d.raw")->hex == k_a);
  // a name that only ends like ours is another file
  CHECK_FALSE(digest_in_sums(k_a + "  old-d.raw\n", "d.raw").has_value());
  CHECK_FALSE(digest_in_sums(k_a + "  d.raw\n", "").has_value());
}

TEST_CASE("checksum file: BSD tagged lines, sha512 by tag or length, uppercase hex") {
  std::string upper(128, 'C');
  auto tagged = digest_in_sums("SHA512 (d.qcow2) = " + upper + "\n", "d.qcow2");
  REQUIRE(tagged.has_value());
  CHECK(tagged->algorithm == "sha512");
  CHECK(tagged->hex == k_long);
  CHECK(digest_in_sums(k_long + "  d.qcow2\r\n", "d.qcow2")->algorithm == "sha512");
  // a tag that disagrees with the digest's length, or a broken digest
  CHECK_FALSE(digest_in_sums("SHA256 (d.qcow2) = " + k_long + "\n", "d.qcow2").has_value());
  CHECK_FALSE(digest_in_sums("xyz  d.qcow2\n", "d.qcow2").has_value());
  CHECK_FALSE(digest_in_sums("MD5 (d.qcow2) = 0123456789abcdef0123456789abcdef\n", "d.qcow2").has_value());
}

TEST_CASE("checksum file: comments, blank lines and a signed file's armor are skipped") {
  const std::string sums = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# comment\n" + k_a +
                           "  d.qcow2\n-----BEGIN PGP SIGNATURE-----\nabc\n";
  CHECK(digest_in_sums(sums, "d.qcow2")->hex == k_a);
}

}  // namespace
}  // namespace virtplan::storage
