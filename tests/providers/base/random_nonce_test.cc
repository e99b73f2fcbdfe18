#include "providers/base/random_nonce.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

using virtplan::providers::random_nonce;

TEST_CASE("random nonce: hex digits of the length asked, different every time") {
  auto is_hex = [](const std::string& s) {
    return std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  CHECK(random_nonce().size() == 32);
  CHECK(random_nonce(16).size() == 16);
  CHECK(random_nonce(0).size() == 1);
  CHECK(random_nonce(99).size() == 32);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string nonce = random_nonce(16);
    CHECK(is_hex(nonce));
    seen.insert(nonce);
  }
  // 64 random bits each: a repeat in 1000 would mean they are not random.
  CHECK(seen.size() == 1000);
}
