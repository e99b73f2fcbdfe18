// The pool reader against a fake virsh host: a listing that fails because a
// pool vanished while virsh listed it (libvirt 9.0 asks each listed pool's
// info and says "Could not retrieve pool information") is asked again, alone;
// any other failure, or a race that does not end, still fails the reading.

#include "storage/pool_reader.h"

#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace virtplan::storage {
namespace {

using providers::ReadObject;
using providers::Result;
using providers::test::FakeVirshHost;

constexpr const char* k_raced = "error: Could not retrieve pool information\n";

// Drives a reading the way the observer does: each round as one batch.
Result<std::vector<ReadObject>> read_pools(FakeVirshHost& host) {
  auto reading = PoolReader().start({});
  std::vector<Result<std::string>> answers;
  for (auto commands = reading->next_round({}); !commands.empty(); commands = reading->next_round(answers)) {
    answers = host.session().alone.batch(commands);
  }
  return reading->finish();
}

void script_pool(FakeVirshHost& host, const std::string& name) {
  host.on("pool-dumpxml --inactive --pool " + name,
          "<pool type='dir'><name>" + name + "</name><source/><target><path>/var/lib/virtplan/" + name +
              "</path></target></pool>");
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

TEST_CASE("pool reader: the unfiltered listing that raced is asked again, and the vanished pool is not read") {
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

TEST_CASE("pool reader: a listing that keeps racing fails with virsh's words after ten attempts") {
  FakeVirshHost host;
  host.on("pool-list --all --name", "keep\n");
  host.fail("pool-list --all --name --autostart", k_raced);
  host.on("pool-list --name", "");

  auto pools = read_pools(host);
  REQUIRE_FALSE(pools);
  CHECK(pools.error().message().find("Could not retrieve pool information") != std::string::npos);
  CHECK(times_run(host, "pool-list --all --name --autostart") == 10);
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

}  // namespace
}  // namespace virtplan::storage
