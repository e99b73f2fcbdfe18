// JsonPath: RFC 6901 pointers taken apart and put together, and the
// patterns of the kinds' field rules.

#include "providers/base/json_path.h"

#include <catch2/catch.hpp>

using virtplan::providers::JsonPath;
using Tokens = std::vector<std::string>;

TEST_CASE("a JSON pointer splits into unescaped tokens, ~1 before ~0 as RFC 6901 says") {
  CHECK(JsonPath::parse("").tokens() == Tokens{});
  CHECK(JsonPath::parse("/").tokens() == Tokens{""});
  CHECK(JsonPath::parse("/memory/current").tokens() == Tokens{"memory", "current"});
  CHECK(JsonPath::parse("/disks/vd~1b/cache").tokens() == Tokens{"disks", "vd/b", "cache"});
  CHECK(JsonPath::parse("/a~01").tokens() == Tokens{"a~1"});  // not "a/"
  CHECK(JsonPath::parse("/a//b").tokens() == Tokens{"a", "", "b"});
  CHECK(JsonPath::parse("disks/vda").tokens() == Tokens{"disks", "vda"});
}

TEST_CASE("tokens escape tilde and slash, and a path spells back as it was read") {
  CHECK(JsonPath::escape("a/b~c") == "a~1b~0c");
  CHECK(JsonPath::unescape("a~1b~0c") == "a/b~c");
  for (const char* pointer : {"", "/memory/current", "/disks/vd~1b", "/a~01", "/a//b"}) {
    CHECK(JsonPath::parse(pointer).str() == pointer);
  }
  CHECK(JsonPath().child("disks").child("vd/b").str() == "/disks/vd~1b");
}

TEST_CASE("a path shows dotted, escapes undone") {
  CHECK(JsonPath::parse("/memory/current").dotted() == "memory.current");
  CHECK(JsonPath::parse("/disks/vd~1b/cache").dotted() == "disks.vd/b.cache");
}

TEST_CASE("patterns: * is one token, a last ** any number of them") {
  const JsonPath media = JsonPath::parse("/disks/sda/media/volume");
  CHECK(media.matches("/disks/*/media/**"));
  CHECK(media.matches("/**"));
  CHECK_FALSE(media.matches("/disks/*"));
  CHECK_FALSE(media.matches("/disks/*/media"));
  CHECK(JsonPath::parse("/disks/sda").matches("/disks/*"));
  CHECK(JsonPath::parse("/wait").matches("/wait/**"));
  CHECK(JsonPath::parse("/wait/timeout").matches("/wait/**"));
  CHECK_FALSE(JsonPath::parse("/waiting").matches("/wait/**"));
  CHECK(JsonPath::parse("").matches("/**"));
  CHECK(JsonPath::parse("/vd~1b").matches("/vd~1b"));
}
