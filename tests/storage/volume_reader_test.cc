// The volume reader against a fake virsh host whose pools are listed active
// and then stopped or undefined by someone else before their volumes are
// read (virsh's words as libvirt 9.0 prints them). For a pool the stack does
// not need, that means no volumes; for one it declares, names in a volume or
// owns, and for any other failure, the reading fails.

#include "storage/volume_reader.h"

#include "tests/storage/reader_driver.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
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
using providers::StackObject;
using providers::test::FakeVirshHost;

// What virsh prints when the pool stopped (vol-list, vol-dumpxml) or was
// undefined (either) after it was listed.
std::string list_stopped(const std::string& pool) {
  return fmt::format(
      "error: Failed to list volumes\nerror: Requested operation is not valid: storage pool '{}' "
      "is not active\n",
      pool);
}
std::string dump_stopped(const std::string& pool) {
  return fmt::format("error: pool '{}' is not active\n", pool);
}
std::string undefined(const std::string& pool) {
  return fmt::format(
      "error: failed to get pool '{0}'\nerror: Storage pool not found: no storage pool with "
      "matching name '{0}'\n",
      pool);
}

std::string volume_xml(const std::string& pool, const std::string& name) {
  return fmt::format(
      "<volume type='file'><name>{1}</name><capacity unit='bytes'>1048576</capacity><target>"
      "<path>/var/lib/virtplan/{0}/{1}</path><format type='raw'/></target></volume>",
      pool, name);
}

// Pools "keep" (volume k1) and "other" (volume o1), both listed active.
void script_host(FakeVirshHost& host) {
  host.on("pool-list --name", "keep\nother\n");
  host.on("vol-list --pool keep", " k1   /var/lib/virtplan/keep/k1\n");
  host.on("vol-list --pool other", " o1   /var/lib/virtplan/other/o1\n");
  host.on("vol-dumpxml --pool keep --vol k1", volume_xml("keep", "k1"));
  host.on("vol-dumpxml --pool other --vol o1", volume_xml("other", "o1"));
}

Result<std::vector<ReadObject>> read_volumes(FakeVirshHost& host,
                                             const std::vector<StackObject>& declared = {},
                                             const Ledger& ledger = Ledger("s")) {
  return test::read_with(VolumeReader(), host, declared, ledger);
}

std::vector<std::string> names(const std::vector<ReadObject>& objects) {
  std::vector<std::string> out;
  for (const ReadObject& object : objects) out.push_back(object.name);
  return out;
}

StackObject declared_pool(const std::string& name) {
  StackObject object;
  object.id = ObjectId{"pool", name, "lab1"};
  return object;
}
StackObject declared_volume(const std::string& name, const std::string& pool) {
  StackObject object;
  object.id = ObjectId{"volume", name, "lab1"};
  object.spec = {{"pool", pool}, {"capacity", "1MiB"}};
  return object;
}

TEST_CASE("volume reader: reads every active pool's volumes") {
  FakeVirshHost host;
  script_host(host);
  auto volumes = read_volumes(host);
  INFO((volumes ? std::string() : volumes.error().message()));
  REQUIRE(volumes);
  CHECK(names(*volumes) == std::vector<std::string>{"k1", "o1"});
}

TEST_CASE("volume reader: told the ledger first, round 1 asks ahead only for what the stack owns") {
  StackObject web;
  web.id = ObjectId{"domain", "web", "lab1"};
  web.spec = {{"state", "running"}};
  const std::vector<StackObject> declared{declared_pool("keep"), declared_volume("k1", "keep"),
                                          declared_volume("new", "keep"), web};
  Ledger ledger("s");
  ledger.mark_created("pool", "keep");
  ledger.mark_created("volume", "k1");
  auto asks = [](const std::vector<providers::VirshArgs>& round, const std::string& line) {
    return std::any_of(round.begin(), round.end(),
                       [&](const auto& args) { return fmt::format("{}", fmt::join(args, " ")) == line; });
  };

  auto told_first = VolumeReader().start(declared);
  told_first->owned(ledger);
  const auto narrowed = told_first->next_round({});
  CHECK(asks(narrowed, "vol-dumpxml --pool keep --vol k1"));
  CHECK(asks(narrowed, "vol-list --pool keep"));
  CHECK_FALSE(asks(narrowed, "vol-dumpxml --pool keep --vol new"));
  CHECK_FALSE(asks(narrowed, "dumpxml --inactive --security-info --domain web"));
  CHECK_FALSE(asks(narrowed, "dumpxml --domain web"));

  const auto ahead = VolumeReader().start(declared)->next_round({});
  CHECK(asks(ahead, "vol-dumpxml --pool keep --vol new"));
  CHECK(asks(ahead, "dumpxml --inactive --security-info --domain web"));
  CHECK(asks(ahead, "dumpxml --domain web"));
}

TEST_CASE("volume reader: told the ledger first, it still reads every volume, owned or not") {
  FakeVirshHost host;
  script_host(host);
  Ledger ledger("s");
  ledger.mark_created("volume", "k1");
  auto volumes =
      test::read_with(VolumeReader(), host, {declared_volume("k1", "keep"), declared_volume("o1", "other")},
                      ledger, test::LedgerGiven::before_rounds);
  INFO((volumes ? std::string() : volumes.error().message()));
  REQUIRE(volumes);
  CHECK(names(*volumes) == std::vector<std::string>{"k1", "o1"});
}

TEST_CASE(
    "volume reader: a pool the stack does not need, stopped or undefined since it was listed, has no "
    "volumes") {
  FakeVirshHost host;
  script_host(host);
  SECTION("stopped before its volume list") { host.fail("vol-list --pool other", list_stopped("other")); }
  SECTION("stopped between its volume list and the volume's XML") {
    host.fail("vol-dumpxml --pool other --vol o1", dump_stopped("other"));
  }
  SECTION("undefined before its volume list") { host.fail("vol-list --pool other", undefined("other")); }
  SECTION("undefined between its volume list and the volume's XML") {
    host.fail("vol-dumpxml --pool other --vol o1", undefined("other"));
  }
  auto volumes = read_volumes(host, {declared_pool("keep")});
  INFO((volumes ? std::string() : volumes.error().message()));
  REQUIRE(volumes);
  CHECK(names(*volumes) == std::vector<std::string>{"k1"});
}

TEST_CASE(
    "volume reader: a pool the stack needs, stopped or undefined since it was listed, fails the reading") {
  // Each way of needing the pool, with each way of losing it.
  const std::string need = GENERATE(as<std::string>{}, "declared", "named by a declared volume", "owned");
  const auto [line, failure] = GENERATE(table<std::string, std::string>({
      {"vol-list --pool other", list_stopped("other")},
      {"vol-list --pool other", undefined("other")},
      {"vol-dumpxml --pool other --vol o1", dump_stopped("other")},
      {"vol-dumpxml --pool other --vol o1", undefined("other")},
  }));
  FakeVirshHost host;
  script_host(host);
  host.fail(line, failure);
  std::vector<StackObject> declared;
  Ledger ledger("s");
  if (need == "declared") declared.push_back(declared_pool("other"));
  if (need == "named by a declared volume") declared.push_back(declared_volume("o2", "other"));
  if (need == "owned") ledger.mark_created("pool", "other");

  auto volumes = read_volumes(host, declared, ledger);
  INFO(need << ", " << line << ": " << failure);
  REQUIRE_FALSE(volumes);
  CHECK_THAT(volumes.error().message(), Catch::Contains("other"));
  CHECK_THAT(volumes.error().message(), Catch::Contains("is not active") || Catch::Contains("matching name"));
}

TEST_CASE("volume reader: any other failure reading a pool's volumes fails the reading, needed or not") {
  FakeVirshHost host;
  script_host(host);
  SECTION("the volume list fails otherwise") {
    host.fail("vol-list --pool other",
              "error: Failed to list volumes\nerror: cannot open directory: Permission "
              "denied\n");
  }
  SECTION("the volume's XML fails otherwise") {
    host.fail("vol-dumpxml --pool other --vol o1", "error: internal error: cannot read\n");
  }
  SECTION("the words name another pool") { host.fail("vol-list --pool other", list_stopped("keep")); }
  auto volumes = read_volumes(host, {declared_pool("keep")});
  REQUIRE_FALSE(volumes);
  CHECK_THAT(volumes.error().message(), Catch::Contains("other"));
}

TEST_CASE("volume reader: a volume deleted between its pool's list and its XML is not there, in any pool") {
  FakeVirshHost host;
  script_host(host);
  host.fail(
      "vol-dumpxml --pool keep --vol k1",
      "error: failed to get vol 'k1'\nerror: Storage volume not found: no storage vol with matching path "
      "'k1'\n");
  auto volumes = read_volumes(host, {declared_pool("keep")});
  INFO((volumes ? std::string() : volumes.error().message()));
  REQUIRE(volumes);
  CHECK(names(*volumes) == std::vector<std::string>{"o1"});
}

}  // namespace
}  // namespace virtplan::storage
