// Volumes made from an image by URL (issue 19): the stack's `source: {url,
// sha256 | sha512 | checksum_url}` as the loader reads it, the plan's rules
// for it (its digest decides, its URLs do not), and the import's YAML.

#include "storage/volume_kind.h"
#include "storage/volume_spec.h"
#include "storage/volume_stack_writer.h"
#include "tests/storage/kind_fixture.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Impact;
using Messages = std::vector<std::string>;
using test::parse_object;

const std::string k_sha256(64, 'a');
const std::string k_sha512(128, 'b');

TEST_CASE("image source: url with sha256 or sha512 is read into the spec, digest lowercased") {
  VolumeKind kind;
  auto by_sha256 = parse_object(kind, "v",
                                "pool: p\nformat: qcow2\nsource: {url: 'https://images.example/d12.qcow2', "
                                "sha256: " +
                                    std::string(64, 'A') + "}\n");
  REQUIRE(by_sha256.messages().empty());
  CHECK(by_sha256.object.spec["source_url"] == "https://images.example/d12.qcow2");
  CHECK(by_sha256.object.spec["source_sha256"] == k_sha256);
  CHECK_FALSE(by_sha256.object.spec.contains("source"));
  CHECK_FALSE(by_sha256.object.spec.contains("capacity"));  // the image's

  auto by_sha512 = parse_object(
      kind, "v",
      "pool: p\nsource: {url: 'http://10.0.0.1:8080/d.raw.xz', sha512: " + k_sha512 + "}\ncapacity: 2GiB\n");
  REQUIRE(by_sha512.messages().empty());
  CHECK(by_sha512.object.spec["source_sha512"] == k_sha512);

  auto by_sums = parse_object(kind, "v",
                              "pool: p\nsource: {url: 'https://x.example/a/d.qcow2', checksum_url: "
                              "'https://x.example/a/SHA256SUMS'}\n");
  REQUIRE(by_sums.messages().empty());
  CHECK(by_sums.object.spec["source_checksum_url"] == "https://x.example/a/SHA256SUMS");
  CHECK_FALSE(by_sums.object.spec.contains("source_sha256"));
}

TEST_CASE("image source: a URL, a digest and exactly one way to verify are required") {
  VolumeKind kind;
  CHECK(parse_object(kind, "v", "pool: p\nsource: {url: 'https://x.example/d.qcow2'}\n").messages() ==
        Messages{"stack.yaml:2:9: volume.v: 'source' needs exactly one of 'sha256', 'sha512' or "
                 "'checksum_url': an image is used only once its digest matches"});
  CHECK(
      parse_object(kind, "v", "pool: p\nsource: {sha256: " + k_sha256 + "}\n").messages() ==
      Messages{"stack.yaml:2:9: volume.v: 'source' needs 'url' (or is the path of a file on this machine)"});
  CHECK(parse_object(kind, "v", "pool: p\nsource: {url: 'https://x.example/d', sha256: abc}\n").messages() ==
        Messages{"stack.yaml:2:46: volume.v: 'sha256' must be 64 hex digits"});
  CHECK(parse_object(kind, "v", "pool: p\nsource: {url: 'https://x.example/d', sha512: " + k_sha256 + "}\n")
            .messages() == Messages{"stack.yaml:2:46: volume.v: 'sha512' must be 128 hex digits"});
  CHECK(parse_object(kind, "v",
                     "pool: p\nsource: {url: 'https://x.example/d', sha256: " + k_sha256 + ", sah512: x}\n")
            .messages()
            .size() == 1);
}

TEST_CASE("image source: only http and https URLs without spaces or control characters") {
  VolumeKind kind;
  const auto with_url = [&](const std::string& url) {
    return parse_object(kind, "v", "pool: p\nsource: {url: " + url + ", sha256: " + k_sha256 + "}\n")
        .messages();
  };
  CHECK(with_url("'file:///etc/shadow'") ==
        Messages{"stack.yaml:2:15: volume.v: 'file:///etc/shadow' is not an http:// or https:// URL"});
  CHECK(with_url("'-o/tmp/x'") ==
        Messages{"stack.yaml:2:15: volume.v: '-o/tmp/x' is not an http:// or https:// URL"});
  CHECK(with_url("'http:///path'") ==
        Messages{"stack.yaml:2:15: volume.v: 'http:///path' is not an http:// or https:// URL"});
  CHECK(with_url("\"http://x.example/a b\"") ==
        Messages{"stack.yaml:2:15: volume.v: a URL may hold no spaces or control characters (percent-encode "
                 "them)"});
  CHECK(with_url("\"http://x.example/a\\nb\"").size() == 1);
  CHECK(with_url("'http://x.example/$(reboot)'").empty());  // a literal word to curl, never code
  // checksum_url needs a file name to look up
  CHECK(
      parse_object(kind, "v",
                   "pool: p\nsource: {url: 'https://x.example/dir/', checksum_url: 'https://x.example/S'}\n")
          .messages()
          .size() == 1);
}

TEST_CASE("image source: fetch: client is recorded, fetch: host is the default and not") {
  VolumeKind kind;
  const std::string head = "pool: p\nsource: {url: 'https://x.example/d', sha256: " + k_sha256;
  auto client = parse_object(kind, "v", head + ", fetch: client}\n");
  REQUIRE(client.messages().empty());
  CHECK(client.object.spec["source_fetch"] == "client");
  auto host = parse_object(kind, "v", head + ", fetch: host}\n");
  REQUIRE(host.messages().empty());
  CHECK_FALSE(host.object.spec.contains("source_fetch"));
  CHECK(parse_object(kind, "v", head + ", fetch: clint}\n").messages().size() == 1);
  CHECK(kind.impact("/source_fetch", nullptr, "client") == Impact::none);
}

TEST_CASE("image source: not together with backing") {
  VolumeKind kind;
  CHECK(parse_object(kind, "v",
                     "pool: p\nbacking: b\nsource: {url: 'https://x.example/d', sha256: " + k_sha256 + "}\n")
            .messages() ==
        Messages{"stack.yaml:1:1: volume.v: a volume takes 'source' or 'backing', not both "
                 "(an upload would overwrite the overlay)"});
}

TEST_CASE("image source impact: the digest replaces, the URLs change nothing on the host") {
  VolumeKind kind;
  CHECK(kind.impact("/source_sha256", k_sha256, std::string(64, 'c')) == Impact::replace);
  CHECK(kind.impact("/source_sha512", k_sha512, std::string(128, 'c')) == Impact::replace);
  CHECK(kind.impact("/source_sha512", nullptr, k_sha512) == Impact::none);
  CHECK(kind.impact("/source_url", "http://a/d", "http://mirror/d") == Impact::none);
  CHECK(kind.impact("/source_checksum_url", "http://a/S", "http://b/S") == Impact::none);
}

TEST_CASE("image source reconcile: checksum_url takes the digest recorded while its URLs stay") {
  VolumeKind kind;
  const json observed = {{"pool", "p"},
                         {"format", "qcow2"},
                         {"capacity", 42},
                         {"source_url", "http://h/d.qcow2"},
                         {"source_checksum_url", "http://h/SHA256SUMS"},
                         {"source_sha256", k_sha256}};
  json desired = {{"pool", "p"},
                  {"format", "qcow2"},
                  {"source_url", "http://h/d.qcow2"},
                  {"source_checksum_url", "http://h/SHA256SUMS"}};
  SECTION("same URLs: the recorded digest is the stack's, no change") {
    const json after = kind.reconcile(desired, observed);
    CHECK(after["source_sha256"] == k_sha256);
    CHECK(after["capacity"] == 42);
  }
  SECTION("another image URL: the digest is unknown, a replace") {
    desired["source_url"] = "http://h/d-new.qcow2";
    CHECK_FALSE(kind.reconcile(desired, observed).contains("source_sha256"));
    CHECK(kind.impact("/source_sha256", k_sha256, nullptr) == Impact::replace);
  }
  SECTION("a pinned digest is the stack's own") {
    desired.erase("source_checksum_url");
    desired["source_sha256"] = std::string(64, 'c');
    CHECK(kind.reconcile(desired, observed)["source_sha256"] == std::string(64, 'c'));
  }
}

TEST_CASE("image source: import writes the source map back, summary names the URL") {
  VolumeKind kind;
  const json spec = {
      {"pool", "p"}, {"format", "qcow2"}, {"source_url", "http://h/d.qcow2"}, {"source_sha256", k_sha256}};
  auto yaml = volume_to_stack(spec);
  REQUIRE(yaml.has_value());
  CHECK((*yaml)["source"] == json{{"url", "http://h/d.qcow2"}, {"sha256", k_sha256}});
  CHECK(kind.summary(spec) == "qcow2, from http://h/d.qcow2");
}

TEST_CASE("backing image: backing: {source: {url, sha256}} is a qcow2 overlay of the cached image") {
  VolumeKind kind;
  auto parsed = parse_object(
      kind, "v",
      "pool: p\ncapacity: 8GiB\nbacking: {source: {url: 'https://x.example/d.qcow2', sha256: " + k_sha256 +
          "}}\n");
  REQUIRE(parsed.messages().empty());
  CHECK(parsed.object.spec["format"] == "qcow2");
  CHECK(parsed.object.spec["backing_url"] == "https://x.example/d.qcow2");
  CHECK(parsed.object.spec["backing_sha256"] == k_sha256);
  CHECK_FALSE(parsed.object.spec.contains("backing"));
  CHECK(kind.references(parsed.object).size() == 1);  // its pool only
  // no capacity needed: the image's
  CHECK(parse_object(kind, "v",
                     "pool: p\nbacking: {source: {url: 'https://x.example/d', sha512: " + k_sha512 + "}}\n")
            .messages()
            .empty());
  CHECK(parse_object(kind, "v", "pool: p\nbacking: {}\n").messages() ==
        Messages{
            "stack.yaml:2:10: volume.v: 'backing' is a volume's name or {source: {url: ..., sha256: ...}}"});
  CHECK(parse_object(kind, "v",
                     "pool: p\nformat: raw\nbacking: {source: {url: 'https://x.example/d', sha256: " +
                         k_sha256 + "}}\n")
            .messages() ==
        Messages{"stack.yaml:2:9: volume.v: a volume with 'backing' must be qcow2, not raw"});
  CHECK(parse_object(kind, "v",
                     "pool: p\nbacking: {source: {url: 'https://x.example/d', sha256: " + k_sha256 +
                         ", fetch: client}}\n")
            .messages()
            .size() == 1);
}

TEST_CASE("backing image reconcile: the cached file the host shows is the stack's while the digest stays") {
  VolumeKind kind;
  const json observed = {
      {"pool", "p"},
      {"format", "qcow2"},
      {"capacity", 42},
      {"backing", "/var/lib/virtplan/cache/sha256-" + k_sha256},
      {"backing_store", {{"path", "/var/lib/virtplan/cache/sha256-" + k_sha256}, {"format", "qcow2"}}},
      {"backing_url", "http://h/d.qcow2"},
      {"backing_sha256", k_sha256}};
  json desired = {
      {"pool", "p"}, {"format", "qcow2"}, {"backing_url", "http://h/d.qcow2"}, {"backing_sha256", k_sha256}};
  SECTION("same digest: no change") {
    json want = observed;
    CHECK(kind.reconcile(desired, observed) == want);
  }
  SECTION("another digest: the backing file is unknown, a replace") {
    desired["backing_sha256"] = std::string(64, 'c');
    const json after = kind.reconcile(desired, observed);
    CHECK_FALSE(after.contains("backing"));
    CHECK_FALSE(after.contains("backing_store"));
    CHECK(kind.impact("/backing_sha256", k_sha256, std::string(64, 'c')) == Impact::replace);
  }
  SECTION("import names the image, not the cache's file") {
    auto yaml = volume_to_stack(observed);
    REQUIRE(yaml.has_value());
    CHECK((*yaml)["backing"] == json{{"source", {{"url", "http://h/d.qcow2"}, {"sha256", k_sha256}}}});
    CHECK_FALSE(yaml->contains("format"));
    CHECK(kind.summary(observed) == "qcow2 42 bytes, backing http://h/d.qcow2");
  }
}

TEST_CASE("base_only: only an image by URL with its own digest, host-fetched, and its digest is base_sha256") {
  VolumeKind kind;
  const std::string url = "'https://x.example/d.qcow2'";
  auto parsed = parse_object(
      kind, "base",
      "pool: p\nformat: qcow2\nbase_only: true\nsource: {url: " + url + ", sha256: " + k_sha256 + "}\n");
  REQUIRE(parsed.messages().empty());
  CHECK(parsed.object.spec["base_only"] == true);
  CHECK(parsed.object.spec["base_sha256"] == k_sha256);
  CHECK_FALSE(parsed.object.spec.contains("source_sha256"));
  // Read back as the image's digest, whichever algorithm.
  for (const char* algorithm : {"sha256", "sha512"}) {
    auto typed = VolumeSpec::from_json({{"base_only", true}, {std::string("base_") + algorithm, "bb"}});
    REQUIRE(typed);
    CHECK((algorithm == std::string("sha256") ? typed->source_sha256 : typed->source_sha512) == "bb");
    CHECK(typed->to_json().contains(std::string("base_") + algorithm));
  }
  CHECK(parse_object(kind, "v", "pool: p\ncapacity: 1G\nbase_only: true\n").messages() ==
        Messages{"stack.yaml:3:12: volume.v: 'base_only' is for a volume whose source is an image by URL "
                 "({url, sha256})"});
  CHECK(parse_object(kind, "v",
                     "pool: p\nbase_only: true\nsource: {url: " + url +
                         ", checksum_url: 'https://x.example/SHA256SUMS'}\n")
            .messages()
            .size() == 1);
  CHECK(parse_object(
            kind, "v",
            "pool: p\nbase_only: true\nsource: {url: " + url + ", sha256: " + k_sha256 + ", fetch: client}\n")
            .messages()
            .size() == 1);
  // false is the default, and not recorded
  CHECK_FALSE(
      parse_object(kind, "v",
                   "pool: p\nbase_only: false\nsource: {url: " + url + ", sha256: " + k_sha256 + "}\n")
          .object.spec.contains("base_only"));
}

TEST_CASE("base_only: a clone is an overlay of the base's cached image and keeps the one it was made of") {
  VolumeKind kind;
  auto base =
      parse_object(kind, "base",
                   "pool: p\nformat: qcow2\nbase_only: true\nsource: {url: 'http://h/d.qcow2', sha256: " +
                       k_sha256 + "}\n")
          .object;
  auto clone = parse_object(kind, "c1", "pool: p\ncapacity: 4MiB\nbacking: base\n").object;
  const std::vector<providers::StackObject> all = {base, clone};
  kind.resolve(clone, all);
  CHECK(clone.spec["backing"] == "base");
  CHECK(clone.spec["backing_url"] == "http://h/d.qcow2");
  CHECK(clone.spec["backing_sha256"] == k_sha256);
  CHECK_FALSE(clone.spec.contains("backing_store"));
  CHECK(kind.references(clone).size() == 2);  // its pool and its base: the base first

  // Made of another image: it keeps that one, and the file it is backed by.
  const std::string old(64, 'c');
  const json observed = {
      {"pool", "p"},
      {"format", "qcow2"},
      {"capacity", 4194304},
      {"backing", "/var/lib/virtplan/cache/sha256-" + old},
      {"backing_store", {{"path", "/var/lib/virtplan/cache/sha256-" + old}, {"format", "qcow2"}}},
      {"backing_url", "http://h/old.qcow2"},
      {"backing_sha256", old}};
  const json after = kind.reconcile(clone.spec, observed);
  CHECK(after.value("backing_sha256", "") == old);
  CHECK(after.value("backing_url", "") == "http://h/old.qcow2");
  CHECK(after["backing_store"] == observed["backing_store"]);
  CHECK(after.value("backing", "") == observed["backing"]);
}

TEST_CASE(
    "base_only: a new digest is a live new base for new clones, unless something uses the file itself") {
  VolumeKind kind;
  const std::string other(64, 'c');
  CHECK(kind.impact("/base_sha256", k_sha256, other) == Impact::live);
  CHECK(kind.impact("/base_sha256", nullptr, other) == Impact::none);
  CHECK(kind.impact("/base_only", nullptr, true) == Impact::none);
  CHECK(kind.field_rules().rule_for("/base_sha256", k_sha256, other).live == volume_live::new_base);
  CHECK(kind.impact("/source_sha256", k_sha256, other) == Impact::replace);  // not base_only: as before

  json before = {{"pool", "p"}, {"format", "qcow2"}, {"base_only", true}, {"base_sha256", k_sha256}};
  json after = before;
  after["base_sha256"] = other;
  CHECK(kind.update_notes(before, after) ==
        std::vector<std::string>{"new base sha256:cccccccccccc… for new clones; clones made of "
                                 "sha256:aaaaaaaaaaaa… keep it"});
  CHECK(kind.update_notes(before, before).empty());
  CHECK(kind.format_value("/base_sha256", other) == "sha256:cccccccccccc…");
  CHECK_FALSE(kind.refusal(before, after).has_value());
  before["used_by"] = json::array({{{"domain", "web"}, {"disk", "vda"}, {"running", false}}});
  before["backing_of"] = json::array({"old-clone"});
  const auto refused = kind.refusal(before, after);
  REQUIRE(refused.has_value());
  CHECK(refused->contains("domain web (disk vda)"));
  CHECK(refused->contains("overlay old-clone"));
}

}  // namespace
}  // namespace virtplan::storage
