// The Ansible module says what it does (issue 17 item 5): its documented
// `summary` keys are the ones it returns (`no_op`, and `unchanged` kept for
// playbooks that read it), and a `config` change (a restart-class change to
// a domain that does not run across the run) needs no allow_restart.

#include "cli/ansible_result.h"
#include "cli/kinds.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <regex>

using namespace virtplan;
using nlohmann::json;
using planner::Action;
using planner::Change;
using providers::Impact;

namespace {

const std::string k_module_doc =
    std::string(VIRTPLAN_SOURCE_DIR) + "/ansible/ansible_collections/virtplan/kvm/plugins/modules/stack.yml";

std::string documented_summary() {
  return YAML::LoadFile(k_module_doc)["RETURN"]["summary"]["description"].as<std::string>();
}

bool names(const std::string& text, const std::string& key) {
  return std::regex_search(text, std::regex("\\b" + key + "\\b"));
}

Change machine_change(Impact impact) {
  return Change{{"domain", "web", "lab1"},
                Action::update,
                impact,
                {},
                {providers::FieldChange{"/machine", "pc", "q35", impact}},
                json{{"machine", "pc"}},
                json{{"machine", "q35"}}};
}

Change steady_pool() {
  return Change{{"pool", "images", "lab1"}, Action::no_op,        Impact::none, {}, {},
                json{{"type", "dir"}},      json{{"type", "dir"}}};
}

}  // namespace

TEST_CASE("ansible module: every summary key it returns is documented, and no_op is also unchanged") {
  const planner::Plan plan("demo", {machine_change(Impact::config), steady_pool()});
  const planner::ApplyReport report({}, {}, std::chrono::milliseconds(1));
  const json result = cli::ansible_result({.plan = &plan, .report = &report});
  const json& summary = result["summary"];
  CHECK(summary["no_op"] == 1);
  CHECK(summary["unchanged"] == summary["no_op"]);
  CHECK(summary["change_config"] == 1);
  const std::string doc = documented_summary();
  INFO(doc);
  for (const auto& item : summary.items()) {
    INFO(item.key());
    CHECK(names(doc, item.key()));
  }
}

TEST_CASE("ansible module: a config change needs no allow_restart, a restart still does") {
  const planner::Plan config("demo", {machine_change(Impact::config)});
  CHECK(cli::guard_refusals(config, cli::kind_lookup(), false, false).empty());
  const planner::Plan restart("demo", {machine_change(Impact::restart)});
  const auto refused = cli::guard_refusals(restart, cli::kind_lookup(), false, false);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0] == "domain.web@lab1: needs a restart (/machine); set allow_restart: true to allow it");
  CHECK(cli::guard_refusals(restart, cli::kind_lookup(), true, false).empty());
}
