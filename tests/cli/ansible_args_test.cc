// The Ansible module's arguments file: parameters read with Ansible's
// conversions, `_ansible_*` keys ignored except check and diff mode, every
// other unknown key refused by name.

#include "cli/ansible_args.h"

#include <catch2/catch.hpp>

using nlohmann::ordered_json;
using virtplan::cli::AnsibleArgs;
using virtplan::cli::parse_ansible_args;
using virtplan::cli::StackState;

namespace {

AnsibleArgs parsed(const std::string& text) {
  auto args = parse_ansible_args(ordered_json::parse(text));
  INFO((args ? std::string() : args.error().message()));
  REQUIRE(args.has_value());
  return *args;
}

std::string refusal(const std::string& text) {
  auto args = parse_ansible_args(ordered_json::parse(text));
  REQUIRE_FALSE(args.has_value());
  return args.error().message();
}

}  // namespace

TEST_CASE("ansible args: a task with a stack path and Ansible's own keys gives the defaults") {
  const AnsibleArgs args = parsed(R"({"stack": "/srv/stack.yaml", "_ansible_check_mode": false,
      "_ansible_no_log": false, "_ansible_verbosity": 3, "_ansible_version": "2.14.18",
      "_ansible_module_name": "virtplan.kvm.stack", "_ansible_some_future_key": {"x": 1}})");
  CHECK(args.stack == "/srv/stack.yaml");
  CHECK_FALSE(args.stack_content.has_value());
  CHECK(args.state == StackState::present);
  CHECK(args.targets.empty());
  CHECK(args.parallelism == 0);
  CHECK(args.lock_wait == 0);
  CHECK_FALSE(args.allow_restart);
  CHECK_FALSE(args.allow_data_loss);
  CHECK_FALSE(args.check_mode);
  CHECK_FALSE(args.diff);
}

TEST_CASE("ansible args: every parameter, with the string forms templating produces") {
  const AnsibleArgs args =
      parsed(R"({"stack_content": {"stack": "demo", "hosts": {"h": {"address": "local"}}},
      "state": "absent", "targets": "pool.a@h, volume.b@h", "parallelism": "4", "lock_wait": 30,
      "allow_restart": "yes", "allow_data_loss": "True", "_ansible_check_mode": true, "_ansible_diff": "1"})");
  REQUIRE(args.stack_content.has_value());
  // key order kept, so the loader's messages follow the task's order
  CHECK(args.stack_content->begin().key() == "stack");
  CHECK(args.state == StackState::absent);
  CHECK(args.targets == std::vector<std::string>{"pool.a@h", "volume.b@h"});
  CHECK(args.parallelism == 4);
  CHECK(args.lock_wait == 30);
  CHECK(args.allow_restart);
  CHECK(args.allow_data_loss);
  CHECK(args.check_mode);
  CHECK(args.diff);
}

TEST_CASE("ansible args: targets as a list, null parameters left unset") {
  const AnsibleArgs args = parsed(R"({"stack": "s.yaml", "targets": ["domain.web@lab1"], "parallelism": null,
      "allow_restart": "off"})");
  CHECK(args.targets == std::vector<std::string>{"domain.web@lab1"});
  CHECK(args.parallelism == 0);
  CHECK_FALSE(args.allow_restart);
}

TEST_CASE("ansible args: unknown keys are refused by name, with what is supported") {
  const std::string message = refusal(R"({"stack": "s.yaml", "allow_restarts": true, "force": 1})");
  CHECK(message.find("unsupported parameters: allow_restarts, force") != std::string::npos);
  CHECK(message.find("supported: allow_data_loss, allow_restart,") != std::string::npos);
}

TEST_CASE("ansible args: the stack is given exactly once") {
  CHECK(refusal(R"({"state": "present"})").find("give exactly one of stack") != std::string::npos);
  CHECK(refusal(R"({"stack": "s.yaml", "stack_content": {"stack": "x"}})").find("exactly one") !=
        std::string::npos);
  CHECK(refusal(R"({"stack_content": "stack: x"})").find("stack_content: expected the stack as a mapping") !=
        std::string::npos);
  CHECK(refusal(R"({"stack": ""})").find("stack: expected a non-empty string") != std::string::npos);
}

TEST_CASE("ansible args: bad values name their parameter") {
  CHECK(refusal(R"({"stack": "s", "state": "running"})") ==
        "state: expected present or absent, got \"running\"");
  CHECK(refusal(R"({"stack": "s", "parallelism": 0})") == "parallelism: 0 is out of range 1..64");
  CHECK(refusal(R"({"stack": "s", "parallelism": "8x"})") == "parallelism: expected an integer, got \"8x\"");
  CHECK(refusal(R"({"stack": "s", "allow_data_loss": "maybe"})") ==
        "allow_data_loss: expected a boolean, got \"maybe\"");
  CHECK(refusal(R"({"stack": "s", "targets": [1]})") == "targets: expected a non-empty string, got 1");
  CHECK(refusal(R"({"stack": "s", "_ansible_check_mode": "sometimes"})") ==
        "_ansible_check_mode: expected a boolean, got \"sometimes\"");
  CHECK(refusal(R"(["stack"])") == "the module's arguments are not a JSON object");
}

TEST_CASE("ansible args: rebalance, as --rebalance, off unless asked") {
  CHECK_FALSE(parsed(R"({"stack": "/s.yaml"})").rebalance);
  CHECK(parsed(R"({"stack": "/s.yaml", "rebalance": "yes"})").rebalance);
  CHECK(refusal(R"({"stack": "/s.yaml", "rebalance": "often"})").find("rebalance") != std::string::npos);
}
