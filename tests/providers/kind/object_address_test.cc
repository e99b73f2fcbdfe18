#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

using virtplan::providers::ObjectId;
using virtplan::providers::parse_address;

TEST_CASE("parse_address reads KIND.NAME@HOST, names may hold dots") {
  CHECK(parse_address("domain.web@lab1") == ObjectId{"domain", "web", "lab1"});
  CHECK(parse_address("volume.web.qcow2@hv-2") == ObjectId{"volume", "web.qcow2", "hv-2"});
  CHECK(parse_address("domain.web@lab1")->address() == "domain.web@lab1");
}

TEST_CASE("parse_address refuses what is not an address, with an example") {
  for (const char* bad :
       {"", "web@lab1", "domain.web", ".web@lab1", "domain.@lab1", "domain.web@", "domainweb"}) {
    const auto id = parse_address(bad);
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().message() ==
          fmt::format("'{}': not an object address; expected KIND.NAME@HOST, e.g. domain.web@lab1", bad));
  }
}

TEST_CASE(
    "a volume's address may name its pool, and an address without one names the only volume of that name") {
  using virtplan::providers::resolve_address;
  CHECK(parse_address("volume.images/root@lab1") == ObjectId{"volume", "root", "lab1", "images"});
  CHECK(parse_address("volume.images/root@lab1")->qualified_address() == "volume.images/root@lab1");
  CHECK(parse_address("volume.images/root@lab1")->address() == "volume.root@lab1");
  for (const char* bad : {"volume./root@lab1", "volume.images/@lab1", "volume.a/b/c@lab1"}) {
    CHECK_FALSE(parse_address(bad).has_value());
  }

  const std::vector<ObjectId> two{{"volume", "root", "lab1", "dev-img"},
                                  {"volume", "root", "lab1", "prod-img"},
                                  {"volume", "data", "lab1", "prod-img"}};
  CHECK(resolve_address(*parse_address("volume.data@lab1"), two) ==
        ObjectId{"volume", "data", "lab1", "prod-img"});
  CHECK(resolve_address(*parse_address("volume.prod-img/root@lab1"), two) ==
        ObjectId{"volume", "root", "lab1", "prod-img"});
  const auto ambiguous = resolve_address(*parse_address("volume.root@lab1"), two);
  REQUIRE_FALSE(ambiguous.has_value());
  CHECK(ambiguous.error().message() ==
        "volume.root@lab1: names 2 objects; say which: volume.dev-img/root@lab1, volume.prod-img/root@lab1");
  CHECK(resolve_address(*parse_address("volume.gone@lab1"), two).error().code() ==
        virtplan::providers::ErrorCode::not_found);
}

TEST_CASE("split_pool_name reads NAME or POOL/NAME, and nothing with an empty side or a second '/'") {
  using virtplan::providers::split_pool_name;
  CHECK(split_pool_name("root")->pool.empty());
  CHECK(split_pool_name("root")->name == "root");
  CHECK(split_pool_name("images/root")->pool == "images");
  CHECK(split_pool_name("images/root")->name == "root");
  CHECK_FALSE(split_pool_name("/root").has_value());
  CHECK_FALSE(split_pool_name("images/").has_value());
  CHECK_FALSE(split_pool_name("a/b/c").has_value());
}

TEST_CASE("an object's identity as every JSON output writes it: address, kind, name and host") {
  using virtplan::providers::object_id_json;
  CHECK(
      object_id_json(ObjectId{"domain", "web", "lab1"}) ==
      nlohmann::json{{"address", "domain.web@lab1"}, {"kind", "domain"}, {"name", "web"}, {"host", "lab1"}});
  // The pool is the saved plan's own key, not part of this.
  CHECK_FALSE(object_id_json(ObjectId{"volume", "root", "lab1", "images"}).contains("pool"));
}
