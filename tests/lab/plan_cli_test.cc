// `virtplan plan` as users run it: the real binary against lab hosts over SSH.
// Exit statuses (0, 2 with --detailed-exitcode, 1 when a host cannot be
// read), the text and JSON renderings, the saved plan file.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::write_stack;

namespace {

using Run = virtplan::test::VirtplanRun;
using virtplan::test::run_virtplan;

}  // namespace

TEST_CASE("plan --detailed-exitcode says 2 for changes, and --json and --out agree") {
  const LabEnv env = require_lab(2);
  const std::string tag = fmt::format("c{}", getpid() % 100000);
  const std::string stack = write_stack(fmt::format(
      "stack: cli-{0}\nhosts:\n{1}{2}pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n",
      tag, host_block(env, 0), host_block(env, 1)));

  const Run text = run_virtplan("plan -f " + stack);
  CHECK(text.status == 0);
  CHECK(text.output.find(fmt::format("  + pool.p-{}@{}", tag, env.hosts[0].name)) != std::string::npos);
  CHECK(text.output.find(fmt::format("  + pool.p-{}@{}", tag, env.hosts[1].name)) != std::string::npos);
  CHECK(text.output.find("Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.") != std::string::npos);

  CHECK(run_virtplan("plan --detailed-exitcode -f " + stack).status == 2);

  const std::string saved = stack + ".plan";
  const Run json = run_virtplan("plan --json --out " + saved + " -f " + stack);
  REQUIRE(json.status == 0);
  const auto printed = nlohmann::json::parse(json.output);
  CHECK(printed["format_version"] == "1");
  CHECK(printed["summary"]["add"] == 2);
  std::ifstream in(saved);
  const auto file = nlohmann::json::parse(in);
  CHECK(file == printed);
  struct stat st {};
  REQUIRE(stat(saved.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::filesystem::remove(saved);
  std::filesystem::remove(stack);
}

TEST_CASE("plan exits 1 and names the host that cannot be read, and plans the other") {
  const LabEnv env = require_lab(2);
  const std::string tag = fmt::format("d{}", getpid() % 100000);
  // An address on lab1's own veth that nothing answers: the packets stay on
  // this machine and the connect fails with "no route to host".
  const std::string stack =
      write_stack(fmt::format("stack: cli-{0}\nhosts:\n{1}  dead:\n    address: ssh://root@10.231.{4}.77:22\n"
                              "    identity: {2}\n    known_hosts: {3}\n"
                              "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n",
                              tag, host_block(env, 0), env.client_key, env.known_hosts, env.hosts[0].index));
  const Run run = run_virtplan("plan --detailed-exitcode -f " + stack);
  CHECK(run.status == 1);
  CHECK(run.output.find(fmt::format("  + pool.p-{}@{}", tag, env.hosts[0].name)) != std::string::npos);
  // Every object left alone is named (pools: all places one on `dead` too).
  CHECK(run.output.find(fmt::format(
            "error: dead: could not be reached, its objects are not planned (pool.p-{}@dead): ", tag)) !=
        std::string::npos);
  std::filesystem::remove(stack);
}
