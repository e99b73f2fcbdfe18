// The plan says what apply does (issue 17 item 5): a restart-class change to
// an object that does not run across the apply is a `config` change (takes
// effect at its next start), and a plan's `before` is the part of the
// observed spec compared with `after`, so what the host fills in by itself
// never reads as a removal; the whole observed spec stays in the plan for
// the engine and the stale-plan check.

#include "planner/diff.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "planner/spec_diff.h"
#include "planner/stale_plan.h"
#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using planner::Action;
using planner::Ownership;
using providers::Impact;
using providers::Running;

namespace {

// A kind that runs like a domain: "state" says whether it is up. /machine
// needs a restart, /memory is live, /format replaces.
class RunnableKind : public planner::testing::StubKind {
public:
  RunnableKind() : StubKind("machine", "machines") {}
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_rules[] = {
        {"/format", Impact::replace}, {"/memory", Impact::live}, {"/**", Impact::restart}};
    static constexpr providers::FieldRules k_table{k_rules};
    return k_table;
  }
  Running running(const providers::Spec& observed, const providers::Spec&) const override {
    return observed.value("state", "") == "running" ? Running::yes : Running::no;
  }
};

const RunnableKind k_kind;

planner::KindLookup lookup() {
  return
      [](std::string_view k) -> const providers::ResourceKind* { return k == "machine" ? &k_kind : nullptr; };
}

planner::DiffResult plan_of(const json& desired, const json& observed) {
  providers::StackObject want;
  want.id = {"machine", "m", "lab1"};
  want.spec = desired;
  planner::ObservedState state;
  state.objects.push_back({want.id, observed, Ownership::ours, "s"});
  return planner::diff("s", {want}, state, lookup());
}

const planner::Change& only_change(const planner::DiffResult& r) {
  REQUIRE(r.plan.changes().size() == 1);
  return r.plan.changes().front();
}

}  // namespace

TEST_CASE("field rules: a restart or live change of an object that does not run is a config change") {
  static constexpr providers::FieldRule k_rules[] = {{"/live", Impact::live},
                                                     {"/power", Impact::live, "start", nullptr, true},
                                                     {"/gone", Impact::replace},
                                                     {"/**", Impact::restart}};
  const providers::FieldRules rules{k_rules};
  CHECK(rules.impact("/machine", "pc", "q35", Running::yes) == Impact::restart);
  CHECK(rules.impact("/machine", "pc", "q35", Running::no) == Impact::config);
  CHECK(rules.impact("/live", 1, 2, Running::yes) == Impact::live);
  // Nothing runs to change live: apply rewrites the definition.
  CHECK(rules.impact("/live", 1, 2, Running::no) == Impact::config);
  // Unless the live way acts on the object itself (a start, autostart).
  CHECK(rules.impact("/power", "stopped", "running", Running::no) == Impact::live);
  CHECK(rules.impact("/gone", 1, 2, Running::no) == Impact::replace);
  CHECK(rules.impact("/machine", "pc", "pc", Running::no) == Impact::none);
  // An object changed into an object: its worst field, judged the same way.
  CHECK(rules.impact("", json{{"machine", "pc"}, {"live", 1}}, json{{"machine", "q35"}, {"live", 2}},
                     Running::no) == Impact::config);
  // The impact order: config restarts nothing, so it sits below restart.
  CHECK(Impact::live < Impact::config);
  CHECK(Impact::config < Impact::restart);
}

TEST_CASE("diff plans a restart-class change to a stopped object as config, to a running one as restart") {
  const json desired{{"machine", "q35"}, {"memory", 2}};
  const auto stopped = plan_of(desired, {{"machine", "pc"}, {"memory", 1}, {"state", "stopped"}});
  const auto& config = only_change(stopped);
  CHECK(config.action == Action::update);
  CHECK(config.impact == Impact::config);
  REQUIRE(config.fields.size() == 2);
  CHECK(config.fields[0].path == "/machine");
  CHECK(config.fields[0].impact == Impact::config);
  CHECK(config.fields[1].impact == Impact::config);
  CHECK(stopped.plan.summary().change_config == 1);
  CHECK(stopped.plan.summary().change_restart == 0);

  const auto running = plan_of(desired, {{"machine", "pc"}, {"memory", 1}, {"state", "running"}});
  CHECK(only_change(running).impact == Impact::restart);
  CHECK(running.plan.summary().change_restart == 1);
  CHECK(running.plan.summary().change_config == 0);
}

TEST_CASE("a config plan says so in text and JSON and reads back from a saved plan") {
  const auto r = plan_of({{"machine", "q35"}}, {{"machine", "pc"}, {"state", "stopped"}});
  const std::string text = planner::render_plan_text(r.plan, lookup());
  CHECK(text.find("~ machine.m@lab1  update  config (takes effect at next start)") != std::string::npos);
  CHECK(text.find("Plan: 0 to add, 1 to change (0 live, 1 config, 0 restart), 0 to replace, 0 to destroy.") !=
        std::string::npos);
  const json printed = planner::plan_to_json(r.plan, planner::Secrets::kept);
  CHECK(printed["changes"][0]["impact"] == "config");
  CHECK(printed["changes"][0]["fields"][0]["impact"] == "config");
  CHECK(printed["summary"]["change_config"] == 1);
  auto back = planner::plan_from_json(printed);
  REQUIRE(back);
  CHECK(*back == r.plan);
}

TEST_CASE("before is the observed part the stack declares: what the host adds by itself is no removal") {
  // libvirt fills a CPU model in on a TCG domain; the stack declares none.
  const json observed{
      {"machine", "pc"}, {"cpu", {{"mode", "custom"}, {"model", "qemu64"}}}, {"state", "running"}};
  const auto same = plan_of({{"machine", "pc"}}, observed);
  const auto& no_op = only_change(same);
  CHECK(no_op.action == Action::no_op);
  CHECK(no_op.before == json{{"machine", "pc"}});
  CHECK(no_op.before == no_op.after);
  CHECK(no_op.observed == observed);

  const auto changed = plan_of({{"machine", "q35"}}, observed);
  const auto& update = only_change(changed);
  CHECK(update.before == json{{"machine", "pc"}});
  CHECK(update.observed == observed);
  CHECK_FALSE(update.before.contains("cpu"));
  const json printed = planner::plan_to_json(changed.plan, planner::Secrets::masked);
  CHECK_FALSE(printed["changes"][0]["before"].contains("cpu"));
  CHECK(printed["changes"][0]["observed"] == observed);

  CHECK(planner::compared_part(json{{"a", 1}}, json{{"a", 2}, {"b", 3}}) == json{{"a", 2}});
  CHECK(planner::compared_part(json{{"a", 1}}, json("x")) == json("x"));
}

TEST_CASE("a saved plan is stale when what the stack does not declare changed, such as the power state") {
  // Planned as config while stopped: started since, the change would need a restart.
  const auto saved = plan_of({{"machine", "q35"}}, {{"machine", "pc"}, {"state", "stopped"}});
  const auto fresh = plan_of({{"machine", "q35"}}, {{"machine", "pc"}, {"state", "running"}});
  CHECK(only_change(saved).before == only_change(fresh).before);
  CHECK(planner::stale_objects(saved.plan, fresh.plan).size() == 1);
  CHECK_FALSE(planner::check_not_stale(saved.plan, fresh.plan));
  CHECK(planner::check_not_stale(saved.plan, saved.plan));
}
