// The Ansible module end to end up to the hosts: the arguments file read, the
// stack loaded from `stack` or `stack_content` by the normal loader, and every
// problem found before a host is contacted returned as failed + msg.

#include "cli/ansible_module.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using nlohmann::json;
using virtplan::cli::run_ansible_module;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An arguments file as Ansible writes it, removed afterwards.
struct ArgsFile {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vp-ansible-args-" + std::to_string(getpid()) + ".json");
  explicit ArgsFile(const std::string& text) { std::ofstream(path) << text; }
  ~ArgsFile() { std::filesystem::remove(path); }
};

json run_with(const std::string& text) { return run_ansible_module(ArgsFile(text).path.string()); }

}  // namespace

TEST_CASE("ansible module: a missing or broken arguments file fails with its path") {
  const json missing = run_ansible_module("/nonexistent/args");
  CHECK(missing["failed"] == true);
  CHECK(missing["changed"] == false);
  CHECK(missing["msg"] == "/nonexistent/args: cannot be read");
  const json broken = run_with("{not json");
  CHECK(broken["failed"] == true);
  CHECK(mentions(broken["msg"], "not JSON"));
}

TEST_CASE("ansible module: stack_content goes through the loader, whose messages name stack_content") {
  const json result = run_with(R"({"stack_content": {"stack": "demo", "hosts": {"h": {"address": "local"}},
      "pools": {"p": {"host": "h", "type": "dir", "path": "/var/lib/virtplan/p", "sizee": 1}}},
      "_ansible_check_mode": true})");
  INFO(result.dump());
  CHECK(result["failed"] == true);
  CHECK(result["changed"] == false);
  CHECK(mentions(result["msg"], "stack_content:"));
  CHECK(mentions(result["msg"], "sizee"));
}

TEST_CASE("ansible module: a stack path that does not exist fails naming it") {
  const json result = run_with(R"({"stack": "/nonexistent/stack.yaml"})");
  CHECK(result["failed"] == true);
  CHECK(mentions(result["msg"], "/nonexistent/stack.yaml"));
}

TEST_CASE("ansible module: a bad target fails before any host is contacted") {
  const json result =
      run_with(R"({"stack_content": {"stack": "demo", "hosts": {"h": {"address": "ssh://root@192.0.2.1:22"}},
      "pools": {"p": {"host": "h", "type": "dir", "path": "/var/lib/virtplan/p"}}}, "targets": ["not-an-address"]})");
  INFO(result.dump());
  CHECK(result["failed"] == true);
  CHECK(mentions(result["msg"], "targets"));
  CHECK_FALSE(result.contains("unreachable"));  // no host was tried
}
