// The Ansible module places `host: auto` domains as `virtplan apply` does
// (issue 20), from inline `stack_content` (no stack file to load again): a
// replica group of two goes one member per lab host, a second run changes
// nothing, and a domain that fits nowhere fails naming each host.

#include "cli/ansible_module.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using virtplan::lab::has;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;

namespace {

using json = nlohmann::json;

json module_stack(const LabEnv& env, const std::string& tag, const std::string& group,
                  const std::string& memory) {
  json hosts = json::object();
  for (std::size_t i = 0; i < 2; ++i) {
    hosts[env.hosts[i].name] = {{"address", fmt::format("ssh://root@{}:22", env.hosts[i].address)},
                                {"identity", env.client_key},
                                {"known_hosts", env.known_hosts},
                                {"cpu_overcommit", 64}};
  }
  return {{"stack", "ansp-" + tag},
          {"hosts", hosts},
          {"domains",
           {{group,
             {{"count", 2},
              {"host", "auto"},
              {"vcpus", 1},
              {"memory", memory},
              {"state", "stopped"},
              {"virt_type", "qemu"}}}}}};
}

// The module run in process on inline stack_content, as Ansible would.
json run_placement_module(const json& stack) {
  const std::string path = fmt::format("/tmp/vp-ansp-args-{}.json", getpid());
  std::ofstream(path) << json{{"stack_content", stack}}.dump();
  json result = virtplan::cli::run_ansible_module(path);
  std::filesystem::remove(path);
  return result;
}

int module_member_host(const LabEnv& env, const std::string& name) {
  for (std::size_t i = 0; i < 2; ++i) {
    if (has(env.run_in(i, "virsh -q list --all --name") + "\n", name + "\n")) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

TEST_CASE("ansible module: host: auto members are placed from stack_content, and a rerun changes nothing") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('A');
  const json stack = module_stack(env, tag, "m" + tag, "64MiB");
  StackCleanup cleanup{env, write_stack(stack.dump())};  // JSON is YAML

  const json first = run_placement_module(stack);
  INFO(first.dump(2));
  CHECK_FALSE(first.value("failed", false));
  CHECK(first.value("changed", false));
  const int one = module_member_host(env, fmt::format("m{}-1", tag));
  const int two = module_member_host(env, fmt::format("m{}-2", tag));
  CHECK(one >= 0);
  CHECK(two >= 0);
  CHECK(one != two);

  const json again = run_placement_module(stack);
  INFO(again.dump(2));
  CHECK_FALSE(again.value("failed", false));
  CHECK_FALSE(again.value("changed", true));

  // Another group of the same stack, too big for either host: nothing is
  // changed (the first group, no longer declared, is not destroyed).
  const json huge = run_placement_module(module_stack(env, tag, "n" + tag, "4096GiB"));
  INFO(huge.dump(2));
  CHECK(huge.value("failed", false));
  CHECK(has(huge.value("msg", ""), fmt::format("no host fits ({}: ", env.hosts[0].name)));
  CHECK(has(huge.value("msg", ""), "nothing was changed"));
  CHECK(module_member_host(env, fmt::format("m{}-1", tag)) == one);
}
