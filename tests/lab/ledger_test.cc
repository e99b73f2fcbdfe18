// The ledger on a real lab host over real SSH: saved, read back, private to
// each host, and kept whole when a write is cut short.

#include "providers/host/ledger.h"
#include "providers/host/transport_factory.h"
#include "tests/lab/lab_fixture.h"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace virtplan::providers;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

namespace {

std::unique_ptr<Transport> connect(const LabEnv& env, std::size_t i) {
  auto transport = make_transport(env.host_config(i));
  if (!transport) FAIL(transport.error().message());
  return std::move(*transport);
}

}  // namespace

TEST_CASE("a ledger saved over ssh reads back and stays on its own host") {
  const LabEnv env = require_lab(2);
  auto lab1 = connect(env, 0);
  auto lab2 = connect(env, 1);
  const std::string stack = "ledger-lab-test";

  Ledger ledger(stack);
  ledger.mark_created("pool", "images");
  ledger.record_intent("volume", "web-root");
  REQUIRE(ledger.save(*lab1).has_value());

  auto back = Ledger::load(*lab1, stack);
  REQUIRE(back.has_value());
  CHECK(*back == ledger);
  // The file is readable by root and libvirt's group only (issue 18: a
  // member of the group uses the same ledger), in directories made 2770 with
  // that group, so files in them keep it. A directory of this test's own:
  // other tests make /var/lib/virtplan/ledger by hand.
  const std::string top = "/var/lib/virtplan-ledger-test-" + std::to_string(getpid());
  const std::string dir = top + "/ledger";
  REQUIRE(ledger.save(*lab1, Become::none, dir).has_value());
  CHECK(env.run_in(0, "stat -c '%a %G' " + top + " " + dir + " " + Ledger::path(stack, dir)) ==
        "2770 libvirt\n2770 libvirt\n660 libvirt\n");
  env.run_in(0, "rm -rf " + top);

  // Hosts are separate: lab2 has no ledger for the stack.
  auto other = Ledger::load(*lab2, stack);
  REQUIRE(other.has_value());
  CHECK(other->entries().empty());

  env.run_in(0, "rm -f /var/lib/virtplan/ledger/" + stack + ".json");
}
