// The shared text helpers: one rule each for case, trimming, lines and words.

#include "providers/base/plain_text.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

using Views = std::vector<std::string_view>;
using Words = std::vector<std::string>;

TEST_CASE("lowercase lowers ASCII letters only") {
  CHECK(lowercase("52:54:00:AA:0B:01") == "52:54:00:aa:0b:01");
  CHECK(lowercase("Password_HASH") == "password_hash");
  CHECK(lowercase("caf\xc3\x89") == "caf\xc3\x89");  // bytes above ASCII are kept
  CHECK(lowercase("").empty());
}

TEST_CASE("trimmed drops white space at both ends, newlines included") {
  CHECK(trimmed(" shut off\n") == "shut off");
  CHECK(trimmed("\t a b \r\n") == "a b");
  CHECK(trimmed(" \n\t").empty());
  CHECK(trimmed("x") == "x");
}

TEST_CASE("lines_of keeps inner empty lines and no line after a final newline") {
  CHECK(lines_of("a\n\nb\n") == Views{"a", "", "b"});
  CHECK(lines_of("a\nb") == Views{"a", "b"});
  CHECK(lines_of("\n") == Views{""});
  CHECK(lines_of("").empty());
}

TEST_CASE("words_of splits at any run of white space") {
  CHECK(words_of(" vnet0  52:54:00:aa:00:01\tipv4 ") == Words{"vnet0", "52:54:00:aa:00:01", "ipv4"});
  CHECK(words_of("   ").empty());
  CHECK(words_of("one") == Words{"one"});
}

TEST_CASE("first_line is the first line with text, without white space around it") {
  CHECK(first_line("running\n") == "running");
  CHECK(first_line("\n error: no domain \r\nmore\n") == "error: no domain");
  CHECK(first_line(" \n").empty());
}

}  // namespace
}  // namespace virtplan::providers
