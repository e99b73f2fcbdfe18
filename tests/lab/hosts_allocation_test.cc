// `virtplan hosts` shows each lab host's capacity and allocation (issue 20):
// its CPUs and memory, what this stack's domains take apart from the others
// (a domain defined by hand), and its pools' capacity and free space, as text
// and as JSON.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::ForeignDomain;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::test::run_virtplan;

namespace {
constexpr std::uint64_t k_allocation_mib = 1024ull * 1024;
}  // namespace

TEST_CASE("virtplan hosts shows CPUs, memory, owned and foreign allocation and pool space") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('H');
  const std::string text = fmt::format(
      "stack: alloc-{0}\nhosts:\n{1}{2}"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "domains:\n  d-{0}:\n    host: {3}\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n"
      "    virt_type: qemu\n",
      tag, host_block(env, 0), host_block(env, 1), env.hosts[0].name);
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  ForeignDomain foreign(env, 0, "fa-" + tag, 128, 2);
  apply_stack(stack, text);

  const auto shown = run_virtplan("hosts -f " + stack);
  INFO(shown.output);
  REQUIRE(shown.status == 0);
  CHECK(has(shown.output, "owned: 1 domain, 1 vCPU, 64 MiB; foreign: "));
  CHECK(has(shown.output, "owned: 0 domains, 0 vCPUs, "));  // the second host
  CHECK(has(shown.output, fmt::format("pool p-{}: ", tag)));
  CHECK(has(shown.output, " free"));

  const auto as_json = run_virtplan("hosts --json -f " + stack);
  INFO(as_json.output);
  REQUIRE(as_json.status == 0);
  const auto hosts = nlohmann::json::parse(as_json.output).at("hosts");
  REQUIRE(hosts.size() == 2);
  const auto& first = hosts[0].at("name") == env.hosts[0].name ? hosts[0] : hosts[1];
  CHECK(first.at("cpus").get<int>() > 0);
  CHECK(first.at("memory").get<std::uint64_t>() > 0);
  CHECK(first.at("owned").at("domains") == 1);
  CHECK(first.at("owned").at("vcpus") == 1);
  CHECK(first.at("owned").at("memory") == 64 * k_allocation_mib);
  // The hand-made domain, and whatever other tests define meanwhile.
  CHECK(first.at("foreign").at("domains").get<int>() >= 1);
  CHECK(first.at("foreign").at("vcpus").get<int>() >= 2);
  CHECK(first.at("foreign").at("memory").get<std::uint64_t>() >= 128 * k_allocation_mib);
  const auto& pool = first.at("pools").at("p-" + tag);
  CHECK(pool.at("capacity").get<std::uint64_t>() > 0);
  CHECK(pool.at("available").get<std::uint64_t>() <= pool.at("capacity").get<std::uint64_t>());
}
