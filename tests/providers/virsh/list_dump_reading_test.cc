// What ListDumpReading asks in its first round: every declared object's XML
// with the listings, or, when it learns the ledger first (apply, under its
// lock), only the declared objects the stack owns; the rest are read in the
// second round if the listing shows them.

#include "providers/virsh/list_dump_reading.h"

#include "providers/host/ledger.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

const VirshArgs k_list{"list", "--all", "--name"};

VirshArgs dump(const std::string& name) { return {"dumpxml", "--inactive", "--domain", name}; }

ListDumpReading reading_of(std::vector<std::string> declared) {
  ListDumpRecipe recipe;
  recipe.kind = "domain";
  recipe.lists = {k_list};
  recipe.dump = dump;
  recipe.parse = [](const std::string& xml) -> Result<Spec> { return Spec{{"xml", xml}}; };
  recipe.declared = std::move(declared);
  return ListDumpReading(std::move(recipe));
}

// The stack owns domain "web" (an intent) and a network named "new".
Ledger ledger() {
  Ledger ledger("s");
  ledger.record_intent("domain", "web");
  ledger.mark_created("network", "new");
  return ledger;
}

TEST_CASE("list-dump reading: without the ledger yet, the first round dumps every declared object") {
  auto reading = reading_of({"new", "web"});
  CHECK(reading.next_round({}) == std::vector<VirshArgs>{k_list, dump("new"), dump("web")});
}

TEST_CASE(
    "list-dump reading: told the ledger first, it dumps ahead only the declared objects the stack owns") {
  auto reading = reading_of({"new", "web"});
  reading.owned(ledger());
  CHECK(reading.next_round({}) == std::vector<VirshArgs>{k_list, dump("web")});
}

TEST_CASE(
    "list-dump reading: a declared object not owned but listed is dumped in the second round and read") {
  auto reading = reading_of({"new", "web"});
  reading.owned(ledger());
  REQUIRE(reading.next_round({}).size() == 2);
  CHECK(reading.next_round({std::string("new\nweb\n"), std::string("<web/>")}) ==
        std::vector<VirshArgs>{dump("new")});
  CHECK(reading.next_round({std::string("<new/>")}).empty());
  auto objects = reading.finish();
  REQUIRE(objects.has_value());
  REQUIRE(objects->size() == 2);
  CHECK((*objects)[0].name == "new");
  CHECK((*objects)[0].spec["xml"] == "<new/>");
  CHECK((*objects)[1].name == "web");
  CHECK((*objects)[1].spec["xml"] == "<web/>");
}

TEST_CASE(
    "list-dump reading: told the ledger after the rounds, it has nothing left to narrow and reads all") {
  auto reading = reading_of({"web"});
  REQUIRE(reading.next_round({}) == std::vector<VirshArgs>{k_list, dump("web")});
  CHECK(reading.next_round({std::string("web\n"), std::string("<web/>")}).empty());
  reading.owned(Ledger("s"));
  auto objects = reading.finish();
  REQUIRE(objects.has_value());
  CHECK(objects->size() == 1);
}

TEST_CASE("list-dump reading: an object the kind cannot parse is read as unrepresentable, not a failure") {
  ListDumpRecipe recipe;
  recipe.kind = "network";
  recipe.lists = {k_list};
  recipe.dump = dump;
  recipe.parse = [](const std::string& xml) -> Result<Spec> {
    if (xml.find("hostdev") != std::string::npos)
      return fail(ErrorCode::invalid, "forward mode 'hostdev' is not one virtplan manages");
    return Spec{{"xml", xml}};
  };
  ListDumpReading reading(std::move(recipe));
  REQUIRE(reading.next_round({}) == std::vector<VirshArgs>{k_list});
  REQUIRE(reading.next_round({std::string("lan\nsriov\n")}) ==
          std::vector<VirshArgs>{dump("lan"), dump("sriov")});
  CHECK(reading
            .next_round(
                {std::string("<network/>"), std::string("<network><forward mode='hostdev'/></network>")})
            .empty());
  auto objects = reading.finish();
  REQUIRE(objects.has_value());
  REQUIRE(objects->size() == 2);
  CHECK((*objects)[0].unrepresentable.empty());
  CHECK((*objects)[1].name == "sriov");
  CHECK((*objects)[1].unrepresentable == "forward mode 'hostdev' is not one virtplan manages");
}

Result<std::string> lookup_failed(const std::string& name) {
  return fail(ErrorCode::not_found, "lab1: virsh dumpxml: failed to get domain '" + name + "'");
}

// A dump that says "not found" for a listed object is what a lookup over a
// broken connection says too: the object is taken for gone only when a
// listing made afterwards agrees.
TEST_CASE(
    "list-dump reading: a listed object whose dump says not found is gone only if a new listing agrees") {
  SECTION("listed again: the reading fails, naming it") {
    auto reading = reading_of({"web"});
    REQUIRE(reading.next_round({}) == std::vector<VirshArgs>{k_list, dump("web")});
    CHECK(reading.next_round({std::string("web\n"), lookup_failed("web")}) == std::vector<VirshArgs>{k_list});
    CHECK(reading.next_round({std::string("web\n")}).empty());
    auto objects = reading.finish();
    REQUIRE_FALSE(objects.has_value());
    CHECK(objects.error().message().find("web: lab1: virsh dumpxml: failed to get domain 'web', though it is "
                                         "still listed") == 0);
  }
  SECTION("the listing fails: so does the reading") {
    auto reading = reading_of({});
    REQUIRE(reading.next_round({}) == std::vector<VirshArgs>{k_list});
    CHECK(reading.next_round({std::string("web\n")}) == std::vector<VirshArgs>{dump("web")});
    CHECK(reading.next_round({lookup_failed("web")}) == std::vector<VirshArgs>{k_list});
    CHECK(
        reading.next_round({fail(ErrorCode::unreachable, "lab1: virsh list: Failed to reconnect")}).empty());
    auto objects = reading.finish();
    REQUIRE_FALSE(objects.has_value());
    CHECK(objects.error().code() == ErrorCode::unreachable);
  }
  SECTION("no longer listed: it went between the listing and the dump") {
    auto reading = reading_of({});
    REQUIRE(reading.next_round({}) == std::vector<VirshArgs>{k_list});
    CHECK(reading.next_round({std::string("db\nweb\n")}) == std::vector<VirshArgs>{dump("db"), dump("web")});
    CHECK(reading.next_round({std::string("<db/>"), lookup_failed("web")}) == std::vector<VirshArgs>{k_list});
    CHECK(reading.next_round({std::string("db\n")}).empty());
    auto objects = reading.finish();
    REQUIRE(objects.has_value());
    REQUIRE(objects->size() == 1);
    CHECK((*objects)[0].name == "db");
  }
}

}  // namespace
}  // namespace virtplan::providers
