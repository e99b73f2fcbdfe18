// The pool reader against a fake virsh host: a listing that fails because a
// pool vanished while virsh listed it (libvirt 9.0 asks each listed pool's
// info and says "Could not retrieve pool information") is asked again, alone;
// any other failure, or a race that does not end, still fails the reading.
// An active pool stopped or undefined before its volumes are listed has no
// volume list when the stack does not need it; one the stack declares or owns
// fails the reading, as does any other failure to list a pool's volumes.

#include "storage/pool_reader.h"

#include "tests/storage/reader_driver.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace virtplan::storage {
namespace {

using providers::Ledger;
using providers::ObjectId;
using providers::ReadObject;
using providers::Result;
using providers::test::FakeVirshHost;

constexpr const char* k_raced = "error: Could not retrieve pool information\n";

// The pools read, with pools `declared` and `ledger`.
Result<std::vector<ReadObject>> read_pools(FakeVirshHost& host, const std::vector<std::string>& declared = {},
                                           const Ledger& ledger = Ledger("s")) {
  std::vector<providers::StackObject> objects;
  for (const std::string& name : declared) {
    objects.emplace_back();
    objects.back().id = ObjectId{"pool", name, "lab1"};
  }
  return test::read_with(PoolReader(), host, objects, ledger);
}

void script_pool(FakeVirshHost& host, const std::string& name) {
  host.on("pool-dumpxml --inactive --pool " + name, "<pool type='dir'><name>" + name +
                                                        "</name><source/><target><path>/var/lib/virtplan/" +
                                                        name + "</path></target></pool>");
  host.on("vol-list --pool " + name, "");
}

// The one pool the host holds, as read.
ReadObject only_pool(FakeVirshHost& host) {
  auto pools = read_pools(host);
  INFO((pools ? std::string() : pools.error().message()));
  REQUIRE(pools);
  REQUIRE(pools->size() == 1);
  return pools->at(0);
}

long times_run(const FakeVirshHost& host, const std::string& line) {
  return std::count(host.ran().begin(), host.ran().end(), line);
}

TEST_CASE("pool reader: told the ledger first, round 1 asks ahead only for the pools the stack owns") {
  std::vector<providers::StackObject> declared(2);
  declared[0].id = ObjectId{"pool", "mine", "lab1"};
  declared[1].id = ObjectId{"pool", "new", "lab1"};
  Ledger ledger("s");
  ledger.mark_created("pool", "mine");
  auto reading = PoolReader().start(declared);
  reading->owned(ledger);
  const auto round = reading->next_round({});
  auto asks = [&](const providers::VirshArgs& args) {
    return std::find(round.begin(), round.end(), args) != round.end();
  };
  CHECK(asks({"pool-dumpxml", "--inactive", "--pool", "mine"}));
  CHECK(asks({"vol-list", "--pool", "mine"}));
  CHECK_FALSE(asks({"pool-dumpxml", "--inactive", "--pool", "new"}));
  CHECK_FALSE(asks({"vol-list", "--pool", "new"}));
}

TEST_CASE("pool reader: told the ledger first, a declared pool it does not own is still read when listed") {
  FakeVirshHost host;
  host.on("pool-list --all --name", "new\n");
  host.on("pool-list --name", "new\n");
  script_pool(host, "new");
  std::vector<providers::StackObject> declared(1);
  declared[0].id = ObjectId{"pool", "new", "lab1"};
  auto pools = test::read_with(PoolReader(), host, declared, Ledger("s"), test::LedgerGiven::before_rounds);
  INFO((pools ? std::string() : pools.error().message()));
  REQUIRE(pools);
  REQUIRE(pools->size() == 1);
  CHECK(pools->at(0).name == "new");
}

TEST_CASE("pool reader: a filtered listing that raced with a pool's removal is asked again") {
  FakeVirshHost host;
  script_pool(host, "keep");
  host.on("pool-list --all --name", "keep\n");
  host.then_fail("pool-list --all --name --autostart", k_raced);
  host.on("pool-list --all --name --autostart", "keep\n");
  host.on("pool-list --name", "keep\n");

  const ReadObject pool = only_pool(host);
  CHECK(pool.name == "keep");
  CHECK(pool.spec["autostart"] == true);  // from the second answer
  CHECK(pool.spec["active"] == true);
  CHECK(times_run(host, "pool-list --all --name --autostart") == 2);
  // The listings that answered are not asked again.
  CHECK(times_run(host, "pool-list --all --name") == 1);
  CHECK(times_run(host, "pool-list --name") == 1);
  CHECK(host.processes() == 3);  // listings, the raced one again, the dump
}

TEST_CASE(
    "pool reader: the unfiltered listing that raced is asked again, and the vanished pool is not read") {
  FakeVirshHost host;
  script_pool(host, "keep");
  host.then_fail("pool-list --all --name", k_raced);
  host.on("pool-list --all --name", "keep\n");  // "gone" was removed meanwhile
  host.on("pool-list --all --name --autostart", "");
  host.on("pool-list --name", "");

  const ReadObject pool = only_pool(host);
  CHECK(pool.name == "keep");
  CHECK(pool.spec["autostart"] == false);
  CHECK(pool.spec["active"] == false);
  CHECK(times_run(host, "pool-list --all --name") == 2);
}

TEST_CASE("pool reader: a listing that keeps racing fails with virsh's words after thirty attempts") {
  FakeVirshHost host;
  host.on("pool-list --all --name", "keep\n");
  host.fail("pool-list --all --name --autostart", k_raced);
  host.on("pool-list --name", "");

  auto pools = read_pools(host);
  REQUIRE_FALSE(pools);
  CHECK(pools.error().message().find("Could not retrieve pool information") != std::string::npos);
  CHECK(times_run(host, "pool-list --all --name --autostart") == 30);
}

TEST_CASE("pool reader: a listing that fails otherwise is not asked again") {
  FakeVirshHost host;
  host.on("pool-list --all --name", "keep\n");
  host.fail("pool-list --all --name --autostart", "error: failed to connect to the hypervisor\n");
  host.on("pool-list --name", "");

  auto pools = read_pools(host);
  REQUIRE_FALSE(pools);
  CHECK(pools.error().message().find("failed to connect to the hypervisor") != std::string::npos);
  CHECK(times_run(host, "pool-list --all --name --autostart") == 1);
  CHECK(host.processes() == 1);
}

// An active pool "other" whose volume list fails with `err`, beside "keep".
void script_failing_list(FakeVirshHost& host, const std::string& err) {
  script_pool(host, "keep");
  script_pool(host, "other");
  host.on("pool-list --all --name", "keep\nother\n");
  host.on("pool-list --all --name --autostart", "");
  host.on("pool-list --name", "keep\nother\n");
  host.fail("vol-list --pool other", err);
}

constexpr const char* k_stopped =
    "error: Failed to list volumes\nerror: Requested operation is not valid: storage pool 'other' is not active\n";
constexpr const char* k_undefined =
    "error: failed to get pool 'other'\nerror: Storage pool not found: no storage pool with matching name 'other'\n";

TEST_CASE(
    "pool reader: a pool the stack does not need, stopped or undefined before its volumes were listed, has "
    "no volume list") {
  const std::string err = GENERATE(as<std::string>{}, k_stopped, k_undefined);
  FakeVirshHost host;
  script_failing_list(host, err);
  auto pools = read_pools(host, {"keep"});
  INFO((pools ? std::string() : pools.error().message()));
  REQUIRE(pools);
  REQUIRE(pools->size() == 2);
  CHECK(pools->at(0).spec.contains("volumes"));
  CHECK(pools->at(1).name == "other");
  CHECK_FALSE(pools->at(1).spec.contains("volumes"));  // unknown, as for an inactive pool
}

TEST_CASE("pool reader: a declared or owned pool whose volumes cannot be listed fails the reading") {
  const std::string err = GENERATE(as<std::string>{}, k_stopped, k_undefined);
  const bool owned = GENERATE(false, true);
  FakeVirshHost host;
  script_failing_list(host, err);
  Ledger ledger("s");
  if (owned) ledger.mark_created("pool", "other");
  auto pools = owned ? read_pools(host, {}, ledger) : read_pools(host, {"other"});
  INFO((owned ? "owned" : "declared"));
  REQUIRE_FALSE(pools);
  CHECK_THAT(pools.error().message(), Catch::Contains("other") && Catch::Contains("vol-list"));
}

TEST_CASE("pool reader: a pool's volume list that fails otherwise fails the reading, needed or not") {
  FakeVirshHost host;
  script_failing_list(host,
                      "error: Failed to list volumes\nerror: cannot open directory: Permission denied\n");
  auto pools = read_pools(host, {"keep"});
  REQUIRE_FALSE(pools);
  CHECK_THAT(pools.error().message(), Catch::Contains("other") && Catch::Contains("Permission denied"));
}

}  // namespace
}  // namespace virtplan::storage
