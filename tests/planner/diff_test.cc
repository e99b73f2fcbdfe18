#include "planner/diff.h"
#include "planner/spec_diff.h"
#include "providers/base/json_path.h"
#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using planner::Action;
using planner::Ownership;
using providers::Impact;

namespace {

// A kind whose impact rules are just enough to exercise the generic diff:
// /format replaces, /memory and /disks/* are live, anything else restarts.
class DiffTestKind : public planner::testing::StubKind {
public:
  DiffTestKind() : StubKind("thing", "things") {}
  // Fills an unset mac from what the host assigned, as domains do.
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec& observed) const override {
    providers::Spec out = desired;
    if (!out.contains("mac") && observed.contains("mac")) out["mac"] = observed["mac"];
    return out;
  }
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_thing_rules[] = {{"/format", Impact::replace},
                                                             {"/memory", Impact::live},
                                                             {"/disks/*/**", Impact::live},
                                                             {"/**", Impact::restart}};
    static constexpr providers::FieldRules k_rules{k_thing_rules};
    return k_rules;
  }
};

const DiffTestKind k_kind;

planner::KindLookup lookup() {
  return
      [](std::string_view k) -> const providers::ResourceKind* { return k == "thing" ? &k_kind : nullptr; };
}

providers::StackObject declared(std::string name, json spec, std::string host = "lab1") {
  providers::StackObject object;
  object.id = {"thing", std::move(name), std::move(host)};
  object.spec = std::move(spec);
  return object;
}

planner::ObservedObject found(std::string name, json spec, Ownership ownership = Ownership::ours,
                              std::string host = "lab1") {
  return planner::ObservedObject{
      {"thing", std::move(name), std::move(host)}, std::move(spec), ownership, "other"};
}

const planner::Change& only_change(const planner::DiffResult& r) {
  REQUIRE(r.plan.changes().size() == 1);
  return r.plan.changes().front();
}

}  // namespace

TEST_CASE("diff plans a create for a declared object the host lacks") {
  auto r = planner::diff("demo", {declared("a", {{"memory", 1}})}, {}, lookup());
  CHECK(r.errors.empty());
  const auto& c = only_change(r);
  CHECK(c.action == Action::create);
  CHECK(c.before.is_null());
  CHECK(c.after == json{{"memory", 1}});
  CHECK(r.plan.summary().add == 1);
}

TEST_CASE("diff finds nothing to do when desired equals observed") {
  planner::ObservedState obs{{found("a", {{"memory", 1}, {"disks", {{"vda", {{"bus", "virtio"}}}}}})}, {}};
  auto r = planner::diff("demo", {declared("a", {{"memory", 1}, {"disks", {{"vda", {{"bus", "virtio"}}}}}})},
                         obs, lookup());
  CHECK(only_change(r).action == Action::no_op);
  CHECK_FALSE(r.plan.summary().has_changes());
  CHECK(r.plan.summary().unchanged == 1);
}

TEST_CASE("diff ignores top-level keys the stack does not manage") {
  planner::ObservedState obs{{found("a", {{"memory", 1}, {"uuid", "1234"}})}, {}};
  auto r = planner::diff("demo", {declared("a", {{"memory", 1}})}, obs, lookup());
  CHECK(only_change(r).action == Action::no_op);
}

TEST_CASE("diff matches collection items by key and reports added and removed ones") {
  json want = {{"disks", {{"vda", {{"bus", "virtio"}}}, {"vdb", {{"bus", "virtio"}}}}}};
  json have = {{"disks", {{"vda", {{"bus", "virtio"}}}, {"sdc", {{"bus", "scsi"}}}}}};
  planner::ObservedState obs{{found("a", have)}, {}};
  auto r = planner::diff("demo", {declared("a", want)}, obs, lookup());
  const auto& c = only_change(r);
  CHECK(c.action == Action::update);
  CHECK(c.impact == Impact::live);
  REQUIRE(c.fields.size() == 2);
  CHECK(c.fields[0].path == "/disks/sdc");
  CHECK(c.fields[0].after.is_null());
  CHECK(c.fields[1].path == "/disks/vdb");
  CHECK(c.fields[1].before.is_null());
  CHECK(r.plan.summary().change_live == 1);
}

TEST_CASE("diff takes the largest impact and plans a replace with its reason") {
  planner::ObservedState obs{{found("a", {{"memory", 1}, {"format", "raw"}, {"cpu", "x"}})}, {}};
  auto r = planner::diff("demo", {declared("a", {{"memory", 2}, {"format", "qcow2"}, {"cpu", "y"}})}, obs,
                         lookup());
  const auto& c = only_change(r);
  CHECK(c.action == Action::replace);
  CHECK(c.impact == Impact::replace);
  REQUIRE(c.reasons.size() == 1);
  CHECK(c.reasons[0] == R"(/format "raw" -> "qcow2" forces replacement)");
}

TEST_CASE("diff restart beats live for an update") {
  planner::ObservedState obs{{found("a", {{"memory", 1}, {"cpu", "x"}})}, {}};
  auto r = planner::diff("demo", {declared("a", {{"memory", 2}, {"cpu", "y"}})}, obs, lookup());
  CHECK(only_change(r).impact == Impact::restart);
  CHECK(r.plan.summary().change_restart == 1);
}

TEST_CASE("diff lets the kind fill in what the host assigned") {
  planner::ObservedState obs{{found("a", {{"memory", 1}, {"mac", "52:54:00:aa:bb:cc"}})}, {}};
  auto r = planner::diff("demo", {declared("a", {{"memory", 1}})}, obs, lookup());
  CHECK(only_change(r).action == Action::no_op);
}

TEST_CASE("diff destroys what the stack owns and no longer declares, and nothing else") {
  planner::ObservedState obs{
      {found("gone", {{"memory", 1}}), found("manual", {{"memory", 1}}, Ownership::unowned),
       found("theirs", {{"memory", 1}}, Ownership::foreign)},
      {}};
  auto r = planner::diff("demo", {}, obs, lookup());
  const auto& c = only_change(r);
  CHECK(c.action == Action::destroy);
  CHECK(c.id.name == "gone");
  CHECK(c.after.is_null());
  CHECK(r.errors.empty());
}

TEST_CASE("diff refuses to touch a declared object it does not own and names import") {
  planner::ObservedState obs{
      {found("a", {{"memory", 1}}, Ownership::unowned), found("b", {{"memory", 1}}, Ownership::foreign)}, {}};
  auto r =
      planner::diff("demo", {declared("a", {{"memory", 2}}), declared("b", {{"memory", 2}})}, obs, lookup());
  CHECK(r.plan.changes().empty());
  REQUIRE(r.errors.size() == 2);
  CHECK(
      r.errors[0] ==
      "thing.a@lab1: exists on lab1 but is not owned by stack 'demo'; adopt it with: virtplan import thing.a@lab1");
  CHECK(r.errors[1] == "thing.b@lab1: exists and belongs to stack 'other', not 'demo'; it is left alone");
}

TEST_CASE("diff plans nothing on an unreachable host and says why, listing every object not planned") {
  planner::ObservedState obs{
      {}, {{"lab2", providers::Error(providers::ErrorCode::unreachable, "connection refused")}}};
  auto r = planner::diff("demo",
                         {declared("z", {{"memory", 1}}, "lab2"), declared("a", {{"memory", 1}}, "lab2"),
                          declared("b", {{"memory", 1}})},
                         obs, lookup());
  const auto& c = only_change(r);
  CHECK(c.id.name == "b");
  REQUIRE(r.errors.size() == 1);
  CHECK(
      r.errors[0] ==
      "lab2: could not be reached, its objects are not planned (thing.a@lab2, thing.z@lab2): connection refused");
}

TEST_CASE("diff says a host was reached when its virsh failed or its lock was held") {
  planner::ObservedState obs{
      {},
      {{"lab2", providers::Error("lab2: virsh pool-list: Could not retrieve pool information")},
       {"lab3", providers::Error(providers::ErrorCode::locked,
                                 "lab3: stack 'demo' is locked by `virtplan import`")}}};
  auto r =
      planner::diff("demo", {declared("a", {{"memory", 1}}, "lab2"), declared("b", {{"memory", 1}}, "lab3")},
                    obs, lookup());
  CHECK(r.plan.changes().empty());
  REQUIRE(r.errors.size() == 2);
  CHECK(
      r.errors[0] ==
      "lab2: could not be read, its objects are not planned (thing.a@lab2): lab2: virsh pool-list: Could not "
      "retrieve pool information");
  CHECK(r.errors[1] ==
        "lab3: is locked, its objects are not planned (thing.b@lab3): lab3: stack 'demo' is locked "
        "by `virtplan import`");
}

TEST_CASE("plan changes are sorted by address whatever the input order") {
  auto r = planner::diff("demo",
                         {declared("b", json::object(), "lab2"), declared("a", json::object(), "lab2"),
                          declared("b", json::object(), "lab1")},
                         {}, lookup());
  std::vector<std::string> addresses;
  for (const auto& c : r.plan.changes()) addresses.push_back(c.id.address());
  CHECK(addresses == std::vector<std::string>{"thing.a@lab2", "thing.b@lab1", "thing.b@lab2"});
}

TEST_CASE("json pointer tokens escape tilde and slash") {
  CHECK(providers::JsonPath::escape("a/b~c") == "a~1b~0c");
}

TEST_CASE(
    "a same-named object in another pool is another object: no replace, and only the stack's is destroyed") {
  providers::StackObject root = declared("root", {{"format", "qcow2"}});
  root.id.pool = "prod-img";
  planner::ObservedObject ours = found("root", {{"format", "qcow2"}});
  ours.id.pool = "prod-img";
  planner::ObservedObject foreign = found("root", {{"format", "raw"}}, Ownership::unowned);
  foreign.id.pool = "dev-img";
  // The foreign one sorts first: a diff by name alone matched it.
  const planner::ObservedState observed{{foreign, ours}, {}};

  const auto kept = planner::diff("prod", {root}, observed, lookup());
  CHECK(kept.errors.empty());
  CHECK(only_change(kept).action == Action::no_op);
  CHECK(only_change(kept).id.pool == "prod-img");

  const auto dropped = planner::diff("prod", {}, observed, lookup());
  CHECK(dropped.errors.empty());
  CHECK(only_change(dropped).action == Action::destroy);
  CHECK(only_change(dropped).id.qualified_address() == "thing.prod-img/root@lab1");
}
