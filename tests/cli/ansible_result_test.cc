// The Ansible module's result object: changed exactly when something changed
// (or would, in check mode), failed with every object and host named, the
// diff per changed object, secrets masked everywhere, the guards' refusals.

#include "cli/ansible_result.h"
#include "cli/kinds.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using planner::Action;
using planner::Change;
using planner::StepResult;
using planner::StepStatus;
using providers::Impact;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Change created_domain() {
  return Change{{"domain", "web", "lab1"},
                Action::create,
                Impact::none,
                {},
                {},
                nullptr,
                json{{"memory", 64}, {"cloud_init", {{"password", "hunter2"}}}}};
}

Change grown_volume() {
  return Change{{"volume", "data", "lab2"},
                Action::update,
                Impact::live,
                {},
                {providers::FieldChange{"/capacity", 1024, 2048, Impact::live}},
                json{{"capacity", 1024}},
                json{{"capacity", 2048}}};
}

Change unchanged_pool() {
  return Change{{"pool", "images", "lab1"}, Action::no_op,        Impact::none, {}, {},
                json{{"type", "dir"}},      json{{"type", "dir"}}};
}

planner::Plan two_changes() {
  return planner::Plan("demo", {created_domain(), grown_volume(), unchanged_pool()});
}

}  // namespace

TEST_CASE("ansible result: check mode reports changed as apply would, and nothing as done") {
  const planner::Plan plan = two_changes();
  cli::AnsibleOutcome outcome{.plan = &plan, .check_mode = true};
  const json result = cli::ansible_result(outcome);
  CHECK(result["changed"] == true);
  CHECK_FALSE(result.contains("failed"));
  CHECK(result["msg"] == "check mode: would create domain.web@lab1, update volume.data@lab2");
  CHECK(result["summary"]["add"] == 1);
  CHECK(result["summary"]["change"] == 1);
  CHECK_FALSE(result["summary"].contains("done"));
  CHECK_FALSE(result.contains("report"));
  CHECK_FALSE(result.contains("diff"));  // not asked for

  const planner::Plan empty("demo", {unchanged_pool()});
  outcome.plan = &empty;
  CHECK(cli::ansible_result(outcome)["changed"] == false);
}

TEST_CASE("ansible result: after an apply, changed means a step was done") {
  const planner::Plan plan = two_changes();
  const planner::ApplyReport report(
      {StepResult{{"domain", "web", "lab1"}, Action::create, StepStatus::done, "", {}, {}},
       StepResult{{"volume", "data", "lab2"},
                  Action::update,
                  StepStatus::done,
                  "",
                  {"restart pending (restart: never)"},
                  {}}},
      {}, std::chrono::milliseconds(5));
  const json result = cli::ansible_result({.plan = &plan, .report = &report});
  CHECK(result["changed"] == true);
  CHECK_FALSE(result.contains("failed"));
  CHECK(result["msg"] == "2 done: create domain.web@lab1, update volume.data@lab2");
  CHECK(result["summary"]["done"] == 2);
  CHECK(result["report"]["ok"] == true);
  CHECK(result["warnings"] == json::array({"volume.data@lab2: restart pending (restart: never)"}));

  const planner::Plan nothing("demo", {unchanged_pool()});
  const json noop = cli::ansible_result({.plan = &nothing});
  CHECK(noop["changed"] == false);
  CHECK(noop["msg"] == "nothing to do");
}

TEST_CASE("ansible result: a failed step and an unreachable host fail the task, naming objects and hosts") {
  const planner::Plan plan = two_changes();
  const planner::ApplyReport report(
      {StepResult{{"domain", "web", "lab1"},
                  Action::create,
                  StepStatus::failed,
                  "lab1: virsh define failed: no memory",
                  {},
                  {}},
       StepResult{{"volume", "data", "lab2"}, Action::update, StepStatus::done, "", {}, {}}},
      {}, std::chrono::milliseconds(5));
  cli::AnsibleOutcome outcome{.plan = &plan, .report = &report};
  outcome.unread = {
      {"dead", providers::Error(providers::ErrorCode::unreachable, "dead: connect to 10.0.0.9:22 failed")}};
  outcome.not_reached = {{"dead", {"pool.p@dead", "volume.v@dead"}}};
  const json result = cli::ansible_result(outcome);
  CHECK(result["failed"] == true);
  CHECK(result["changed"] == true);  // lab2's volume did grow
  const std::string msg = result["msg"];
  CHECK(has(msg, "domain.web@lab1: create failed: lab1: virsh define failed: no memory"));
  CHECK(has(msg,
            "dead: could not be reached, nothing was planned or done there (pool.p@dead, volume.v@dead): "
            "dead: connect to 10.0.0.9:22 failed"));
  CHECK(result["unreachable"]["dead"] == "dead: connect to 10.0.0.9:22 failed");
  CHECK(result["summary"]["failed"] == 1);
}

TEST_CASE("ansible result: a host reached but not read, or locked, is not called unreachable") {
  const planner::Plan plan = two_changes();
  cli::AnsibleOutcome outcome{.plan = &plan};
  outcome.unread = {
      {"busy", providers::Error(providers::ErrorCode::locked,
                                "busy: stack 'demo' is locked by `virtplan domain start` (pid 7 on ci) since "
                                "2026-11-26T01:00:00Z; try again when it finishes")},
      {"odd", providers::Error("odd: virsh pool-list: Could not retrieve pool information")}};
  const json result = cli::ansible_result(outcome);
  CHECK(result["failed"] == true);
  const std::string msg = result["msg"];
  CHECK(has(msg,
            "busy: is locked, nothing was planned or done there: busy: stack 'demo' is locked by "
            "`virtplan domain start` (pid 7 on ci)"));
  CHECK(has(msg,
            "odd: could not be read, nothing was planned or done there: odd: virsh pool-list: Could not "
            "retrieve pool information"));
  CHECK_FALSE(has(msg, "could not be reached"));
  CHECK(result["unreachable"]["odd"] == "odd: virsh pool-list: Could not retrieve pool information");
}

TEST_CASE("ansible result: refused runs change nothing and say why") {
  const planner::Plan plan = two_changes();
  const json result =
      cli::ansible_result({.plan = &plan,
                           .errors = {"volume.data@lab2: update loses its data", "nothing was changed"},
                           .check_mode = true});
  CHECK(result["failed"] == true);
  CHECK(result["changed"] == false);
  CHECK(result["msg"] == "volume.data@lab2: update loses its data; nothing was changed");
}

TEST_CASE("ansible result: diff lists each changed object's before and after, secrets masked") {
  const planner::Plan plan = two_changes();
  const json result = cli::ansible_result({.plan = &plan, .check_mode = true, .diff = true});
  const json& diff = result["diff"];
  REQUIRE(diff.size() == 2);  // the no-op pool has none
  CHECK(diff[0]["before_header"] == "domain.web@lab1 (on lab1)");
  CHECK(diff[0]["after_header"] == "domain.web@lab1 (create)");
  CHECK(diff[0]["before"] == "");
  CHECK(diff[0]["after"]["cloud_init"]["password"] == "(sensitive)");
  CHECK(diff[1]["before"] == json{{"capacity", 1024}});
  CHECK(diff[1]["after"] == json{{"capacity", 2048}});
  // the plan too
  CHECK_FALSE(has(result.dump(), "hunter2"));
}

TEST_CASE("ansible result: guards refuse restarts, replaces and data loss unless allowed") {
  const Change restart{{"domain", "web", "lab1"},
                       Action::update,
                       Impact::restart,
                       {},
                       {providers::FieldChange{"/vcpus", 1, 2, Impact::restart}},
                       json{{"vcpus", 1}},
                       json{{"vcpus", 2}}};
  Change deferred = restart;
  deferred.id.name = "lazy";
  deferred.after["restart"] = "never";
  const Change replace{{"volume", "data", "lab1"},
                       Action::replace,
                       Impact::replace,
                       {},
                       {providers::FieldChange{"/format", "raw", "qcow2", Impact::replace}},
                       json{{"capacity", 1073741824}, {"format", "raw"}},
                       json{{"capacity", 1073741824}, {"format", "qcow2"}}};
  const Change destroy{{"pool", "old", "lab1"}, Action::destroy, Impact::none, {}, {},
                       json{{"type", "dir"}},   nullptr};
  const planner::Plan plan("demo", {restart, deferred, replace, destroy});

  const auto refused = cli::guard_refusals(plan, cli::kind_lookup(), false, false);
  REQUIRE(refused.size() == 3);
  CHECK(refused[0] == "domain.web@lab1: needs a restart (/vcpus); set allow_restart: true to allow it");
  CHECK(has(refused[1], "volume.data@lab1: would be replaced (destroyed and created again: /format)"));
  CHECK(refused[2] ==
        "volume.data@lab1: replace loses its data (1 GiB); set allow_data_loss: true to allow it");

  // check mode says which restart stays pending
  const json checked = cli::ansible_result({.plan = &plan, .check_mode = true});
  CHECK(checked["warnings"] ==
        json::array({"domain.lazy@lab1: restart pending after apply (restart: never): /vcpus"}));

  const auto data_only = cli::guard_refusals(plan, cli::kind_lookup(), true, false);
  REQUIRE(data_only.size() == 1);
  CHECK(has(data_only[0], "allow_data_loss"));
  CHECK(cli::guard_refusals(plan, cli::kind_lookup(), true, true).empty());
}
