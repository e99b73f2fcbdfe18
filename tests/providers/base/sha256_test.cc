#include "providers/base/sha256.h"

#include <catch2/catch.hpp>

#include <string>

using virtplan::providers::Sha256;

TEST_CASE("sha256 of known content matches the published test vectors") {
  CHECK(Sha256::of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256::of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256 fed in pieces equals the hash of the whole, and can go on after hex()") {
  Sha256 hash;
  hash.update("a");
  std::string after_a = hash.hex();
  hash.update(std::string("bc"));
  CHECK(after_a == Sha256::of("a"));
  CHECK(hash.hex() == Sha256::of("abc"));
  std::string big(100000, 'x');
  Sha256 pieces;
  for (std::size_t i = 0; i < big.size(); i += 4096) pieces.update(std::string_view(big).substr(i, 4096));
  CHECK(pieces.hex() == Sha256::of(big));
}
