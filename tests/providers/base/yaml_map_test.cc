#include "providers/base/yaml_map.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace virtplan::providers {
namespace {

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) out.push_back(d.str());
  return out;
}

TEST_CASE("sizes: binary, decimal and bare units, and bare numbers are bytes") {
  struct Case {
    const char* text;
    std::uint64_t bytes;
  };
  const Case cases[] = {
      {"0", 0},
      {"512", 512},
      {"512MiB", 512ULL << 20},
      {"20GiB", 20ULL << 30},
      {"1G", 1ULL << 30},
      {"2T", 2ULL << 40},
      {"3K", 3 * 1024},
      {"4M", 4ULL << 20},
      {"1TiB", 1ULL << 40},
      {"1KiB", 1024},
      {"10GB", 10'000'000'000ULL},
      {"1KB", 1000},
      {"1MB", 1'000'000},
      {"1TB", 1'000'000'000'000ULL},
      {"10 GiB", 10ULL << 30},
      {"18446744073709551615", 18446744073709551615ULL},
      {"16777215TiB", 16777215ULL << 40},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(parse_size(c.text) == c.bytes);
  }
}

TEST_CASE("sizes: what is refused, and why") {
  struct Case {
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      {"-1", "invalid size '-1': a size may not be negative"},
      {"1.5G", "invalid size '1.5G': fractions are not supported (use a smaller unit, such as 1536MiB)"},
      {"lots", "invalid size 'lots': expected a number of bytes or a number with a unit, such as 10GiB"},
      {"10gib", "invalid size '10gib': unknown unit 'gib' (did you mean 'GiB'?)"},
      {"10Q", "invalid size '10Q': unknown unit 'Q' (use KiB, MiB, GiB, TiB, KB, MB, GB, TB, K, M, G, T)"},
      {"10Gib", "invalid size '10Gib': unknown unit 'Gib' (did you mean 'GiB'?)"},
      {"10 parsecs",
       "invalid size '10 parsecs': unknown unit 'parsecs' (use KiB, MiB, GiB, TiB, KB, MB, GB, TB, K, M, G, T)"},
      {"18446744073709551616", "invalid size '18446744073709551616': too large (at most 2^64-1 bytes)"},
      {"16777216TiB", "invalid size '16777216TiB': too large (at most 2^64-1 bytes)"},
      {"", "invalid size '': expected a number of bytes or a number with a unit, such as 10GiB"},
  };
  for (const auto& c : cases) {
    std::string why;
    INFO(c.text);
    CHECK_FALSE(parse_size(c.text, &why).has_value());
    CHECK(why == c.why);
  }
}

TEST_CASE("typed accessors report the place and what they got") {
  YamlMap map(YAML::Load("a: x\nb: [1]\nc:\nd: yes\ne: 12\nf: 1x\n"), "f.yaml", "domain.web");
  Diagnostics diags;
  CHECK_FALSE(map.get("a")->as_int(diags));
  CHECK_FALSE(map.get("b")->as_string(diags));
  CHECK_FALSE(map.get("c")->as_map(diags));
  CHECK_FALSE(map.get("d")->as_bool(diags));
  CHECK(map.get("e")->as_int(diags) == 12);
  CHECK_FALSE(map.get("f")->as_sequence(diags));
  CHECK_FALSE(map.get("zz").has_value());
  CHECK(messages(diags) == std::vector<std::string>{
                               "f.yaml:1:4: domain.web: expected an integer, got 'x'",
                               "f.yaml:2:4: domain.web: expected a string, got a list",
                               "f.yaml:3:1: domain.web: expected a map, got nothing",
                               "f.yaml:4:4: domain.web: expected true or false, got 'yes'",
                               "f.yaml:6:4: domain.web: expected a list, got '1x'",
                           });
}

TEST_CASE("unknown keys get a suggestion from the keys that were asked for") {
  YamlMap map(YAML::Load("memroy: 1\nvcpus: 2\nzzzzzz: 3\n"), "f.yaml");
  map.get("memory");
  map.get("vcpus");
  map.allow({"disks"});
  Diagnostics diags;
  map.report_unknown(diags, "domain.web");
  CHECK(messages(diags) == std::vector<std::string>{
                               "f.yaml:1:1: domain.web: unknown key 'memroy' (did you mean 'memory'?)",
                               "f.yaml:3:1: domain.web: unknown key 'zzzzzz'",
                           });
}

TEST_CASE("copies of a map share what was read") {
  YamlMap map(YAML::Load("a: 1\n"), "f.yaml");
  YamlMap copy = map;
  copy.get("a");
  Diagnostics diags;
  map.report_unknown(diags);
  CHECK(diags.empty());
}

TEST_CASE("entries() reads every key and keeps them in file order") {
  YamlMap map(YAML::Load("{1: 3, 0: 2}"), "f.yaml");
  auto entries = map.entries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].first.node().Scalar() == "1");
  CHECK(entries[1].second.node().Scalar() == "2");
  Diagnostics diags;
  map.report_unknown(diags);
  CHECK(diags.empty());
}

TEST_CASE("defaults: the map's own keys win, and defaults keep their file and context") {
  YamlMap own(YAML::Load("memory: 1GiB\n"), "own.yaml", "domain.web");
  YamlMap defaults(YAML::Load("memory: 512MiB\nvcpus: x\ncolour: red\n"), "p.yaml", "profile small");
  own.set_defaults(defaults);
  Diagnostics diags;
  CHECK(own.get("memory")->as_size(diags) == 1ULL << 30);
  CHECK_FALSE(own.get("vcpus")->as_int(diags));
  own.report_unknown(diags);
  CHECK(messages(diags) == std::vector<std::string>{
                               "p.yaml:2:8: profile small: expected an integer, got 'x'",
                               "p.yaml:3:1: profile small: unknown key 'colour'",
                           });
}

TEST_CASE("enums and names") {
  YamlMap map(YAML::Load("fw: uefl\nmode: nat\nname: -web\nok: web-1.a_b+c\n"), "f.yaml");
  Diagnostics diags;
  CHECK_FALSE(map.get("fw")->as_enum(diags, {"bios", "uefi"}));
  CHECK(map.get("mode")->as_enum(diags, {"nat", "route"}) == "nat");
  CHECK_FALSE(map.get("name")->as_name(diags));
  CHECK(map.get("ok")->as_name(diags) == "web-1.a_b+c");
  CHECK(messages(diags) == std::vector<std::string>{
                               "f.yaml:1:5: expected one of bios, uefi, got 'uefl' (did you mean 'uefi'?)",
                               "f.yaml:3:7: invalid name '-web': a name may not start with '.' or '-'",
                           });
  CHECK(is_valid_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_name(std::string(65, 'a')));
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name("a/b"));
  CHECK_FALSE(is_valid_name(".hidden"));
  CHECK(is_valid_name("_x"));
}

TEST_CASE("closest_match finds likely typos only") {
  std::set<std::string, std::less<>> keys{"memory", "vcpus", "disks", "interfaces"};
  CHECK(closest_match("memroy", keys) == "memory");
  CHECK(closest_match("vcpu", keys) == "vcpus");
  CHECK(closest_match("interfcaes", keys) == "interfaces");
  CHECK_FALSE(closest_match("colour", keys).has_value());
  // Equally close to two words: no guess.
  CHECK_FALSE(closest_match("lab", std::set<std::string, std::less<>>{"lab1", "lab2"}).has_value());
}

}  // namespace
}  // namespace virtplan::providers
