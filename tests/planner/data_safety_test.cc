#include "planner/data_safety.h"
#include "planner/diff.h"

#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

namespace virtplan::planner {
namespace {

using nlohmann::json;
using providers::Hold;
using providers::Impact;
using providers::ObjectId;
using providers::Spec;
using providers::StackObject;
using Strings = std::vector<std::string>;

// A kind with data: holders listed in /held_by, capacity is at risk, `size`
// going down is refused, `format` replaces.
class DiskKind : public testing::StubKind {
public:
  DiskKind() : StubKind("volume", "volumes") {}
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_disk_rules[] = {{"/format", Impact::replace},
                                                            {"/**", Impact::live}};
    static constexpr providers::FieldRules k_rules{k_disk_rules};
    return k_rules;
  }
  std::vector<Hold> holds(const ObjectId& id, const Spec& observed, bool) const override {
    std::vector<Hold> out;
    for (const json& name : observed.value("held_by", json::array())) {
      out.push_back({ObjectId{"domain", name.get<std::string>(), id.host}, "disk vda"});
    }
    return out;
  }
  std::optional<std::uint64_t> data_at_risk(const Spec& observed) const override {
    return observed.value("size", std::uint64_t{0});
  }
  std::optional<std::string> refusal(const Spec& before, const Spec& after) const override {
    if (after.value("size", std::uint64_t{0}) < before.value("size", std::uint64_t{0})) return "size shrinks";
    return std::nullopt;
  }
};

// Domains lose what /lost names (managed save, snapshots...) and use the
// networks /uses names.
class HolderKind : public testing::StubKind {
public:
  HolderKind() : StubKind("domain", "domains") {}
  std::vector<providers::Reference> references(const StackObject& object) const override {
    std::vector<providers::Reference> out;
    for (const json& name : object.spec.value("uses", json::array()))
      out.push_back({ObjectId{"network", name.get<std::string>(), object.id.host}, {}});
    return out;
  }
  std::vector<std::string> lost_state(const Spec& observed) const override {
    std::vector<std::string> out;
    for (const json& item : observed.value("lost", json::array())) out.push_back(item.get<std::string>());
    return out;
  }
};

// A network the domains in /users hold, forceably.
class LinkKind : public testing::StubKind {
public:
  LinkKind() : StubKind("network", "networks") {}
  std::vector<Hold> holds(const ObjectId& id, const Spec& observed, bool) const override {
    std::vector<Hold> out;
    for (const json& name : observed.value("users", json::array())) {
      out.push_back(
          {ObjectId{"domain", name.get<std::string>(), id.host}, "interface", Hold::Forceable::yes});
    }
    return out;
  }
};

const DiskKind k_disks;
const HolderKind k_domains;
const LinkKind k_networks;

const providers::ResourceKind* lookup(std::string_view kind) {
  if (kind == "volume") return &k_disks;
  if (kind == "domain") return &k_domains;
  if (kind == "network") return &k_networks;
  return nullptr;
}

ObservedObject owned(const std::string& kind, const std::string& name, Spec spec) {
  return ObservedObject{{kind, name, "lab1"}, std::move(spec), Ownership::ours, ""};
}

StackObject declared(const std::string& kind, const std::string& name, Spec spec) {
  return StackObject{{kind, name, "lab1"}, std::move(spec), "demo", {}, {}};
}

std::vector<std::string> planned_addresses(const Plan& plan) {
  std::vector<std::string> out;
  for (const Change& c : plan.changes()) out.push_back(c.id.address());
  return out;
}

constexpr std::uint64_t k_gib = 1024ull * 1024 * 1024;

TEST_CASE("data safety: a destroy and a replace say how much data they lose") {
  ObservedState observed;
  observed.objects = {owned("volume", "old", {{"size", 10 * k_gib}}),
                      owned("volume", "disk", {{"size", k_gib}, {"format", "raw"}})};
  auto result =
      diff("demo", {declared("volume", "disk", {{"size", k_gib}, {"format", "qcow2"}})}, observed, lookup);
  CHECK(result.errors.empty());
  REQUIRE(result.plan.changes().size() == 2);
  const Change& replace = result.plan.changes()[0];
  CHECK(replace.action == Action::replace);
  CHECK(replace.reasons.back() == "DATA LOSS: 1 GiB");
  const Change& destroy = result.plan.changes()[1];
  CHECK(destroy.action == Action::destroy);
  CHECK(destroy.reasons == Strings{"DATA LOSS: 10 GiB"});
}

TEST_CASE("data safety: protected objects are never destroyed or replaced") {
  ObservedState observed;
  observed.objects = {owned("volume", "keep", {{"size", k_gib}, {"protect", true}}),
                      owned("volume", "disk", {{"size", k_gib}, {"format", "raw"}})};
  auto result =
      diff("demo", {declared("volume", "disk", {{"size", k_gib}, {"format", "qcow2"}, {"protect", true}})},
           observed, lookup);
  CHECK(result.errors ==
        Strings{"volume.disk@lab1: is protected (protect: true) and would be replaced; it is left "
                "alone (set protect: false and apply first to allow it)",
                "volume.keep@lab1: is protected (protect: true) and would be destroyed; it is left "
                "alone (set protect: false and apply first to allow it)"});
  CHECK(result.plan.changes().empty());
}

TEST_CASE("data safety: a held object stays unless its holders go in the same plan") {
  ObservedState observed;
  observed.objects = {owned("volume", "data", {{"size", k_gib}, {"held_by", {"web"}}}),
                      owned("domain", "web", json::object())};
  SECTION("the holder stays") {
    auto result = diff("demo", {declared("domain", "web", json::object())}, observed, lookup);
    CHECK(result.errors == Strings{"volume.data@lab1: would be destroyed but is held by "
                                   "domain.web@lab1 (disk vda); it is left alone"});
    CHECK(planned_addresses(result.plan) == Strings{"domain.web@lab1"});
  }
  SECTION("the holder is destroyed too") {
    auto result = diff("demo", {}, observed, lookup);
    CHECK(result.errors.empty());
    CHECK(planned_addresses(result.plan) == Strings{"domain.web@lab1", "volume.data@lab1"});
  }
}

// An overlay and its domain migrating to lab2 while the stack drops the base
// from lab1: the overlay leaves lab1, so only another holder keeps the base.
TEST_CASE("data safety: a holder that migrates away lets go of what it held on its old host") {
  auto changes_with = [](json held_by) {
    Change base;
    base.id = ObjectId{"volume", "base", "lab1"};
    base.action = Action::destroy;
    base.before = {{"size", k_gib}, {"held_by", std::move(held_by)}};
    Change moved;
    moved.id = ObjectId{"domain", "web", "lab1"};
    moved.action = Action::migrate;
    moved.destination = "lab2";
    return std::vector<Change>{base, moved};
  };
  std::vector<std::string> errors;
  auto changes = changes_with({"web"});
  check_data_safety(changes, lookup, errors);
  CHECK(errors.empty());
  CHECK(changes.size() == 2);

  changes = changes_with({"web", "foreign"});
  check_data_safety(changes, lookup, errors);
  CHECK(errors ==
        Strings{"volume.base@lab1: would be destroyed but is held by domain.foreign@lab1 (disk vda); "
                "it is left alone"});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].action == Action::migrate);
}

TEST_CASE("data safety: an update the kind refuses is not planned") {
  ObservedState observed;
  observed.objects = {owned("volume", "data", {{"size", 2 * k_gib}})};
  auto result = diff("demo", {declared("volume", "data", {{"size", k_gib}})}, observed, lookup);
  CHECK(result.errors == Strings{"volume.data@lab1: size shrinks; it is left alone"});
  CHECK(result.plan.changes().empty());
}

TEST_CASE("data safety: a destroy names the state it loses besides bytes, in the kind's words") {
  ObservedState observed;
  observed.objects = {owned("domain", "web", {{"lost", {"managed save", "NVRAM", "3 snapshots"}}}),
                      owned("domain", "plain", json::object())};
  auto result = diff("demo", {}, observed, lookup);
  CHECK(result.errors.empty());
  REQUIRE(result.plan.changes().size() == 2);
  CHECK(result.plan.changes()[0].id.name == "plain");
  CHECK(result.plan.changes()[0].reasons.empty());
  CHECK(result.plan.changes()[1].reasons == Strings{"DATA LOSS: managed save, NVRAM, 3 snapshots"});
}

TEST_CASE("data safety: data_loss() puts bytes first, then the named state") {
  CHECK(data_loss(k_disks, {{"size", 2 * k_gib}}) == "2 GiB");
  CHECK(data_loss(k_domains, {{"lost", {"managed save"}}}) == "managed save");
  CHECK(data_loss(k_domains, json::object()) == std::nullopt);
}

TEST_CASE("data safety: a forceable hold refuses unless forced, and a forced change names whom it cuts off") {
  std::vector<Change> changes{Change{ObjectId{"network", "lan", "lab1"},
                                     Action::destroy,
                                     Impact::none,
                                     {},
                                     {},
                                     Spec{{"users", {"db", "cache"}}},
                                     nullptr}};
  SECTION("not forced: refused, naming every holder and the override") {
    std::vector<std::string> errors;
    check_data_safety(changes, lookup, errors);
    CHECK(changes.empty());
    CHECK(errors ==
          Strings{"network.lan@lab1: would be destroyed but is held by domain.cache@lab1 (interface), "
                  "domain.db@lab1 (interface); it is left alone (`virtplan destroy --target "
                  "network.lan@lab1 --force` destroys it anyway, cutting them off)"});
  }
  SECTION("forced: planned, with a reason naming them") {
    std::vector<std::string> errors;
    check_data_safety(changes, lookup, errors, Force::yes);
    CHECK(errors.empty());
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].reasons ==
          Strings{"FORCED: cuts off domain.cache@lab1 (interface), domain.db@lab1 (interface)"});
  }
  SECTION(
      "a holder the plan changes so that it no longer uses it does not hold it, one that still does holds") {
    changes.push_back(Change{ObjectId{"domain", "db", "lab1"},
                             Action::update,
                             Impact::live,
                             {},
                             {},
                             Spec{{"uses", {"lan"}}},
                             Spec{{"uses", json::array()}}});
    changes.push_back(Change{ObjectId{"domain", "cache", "lab1"},
                             Action::update,
                             Impact::live,
                             {},
                             {},
                             Spec{{"uses", {"lan"}}},
                             Spec{{"uses", {"lan", "wan"}}}});
    std::vector<std::string> errors;
    check_data_safety(changes, lookup, errors);
    CHECK(errors ==
          Strings{"network.lan@lab1: would be destroyed but is held by domain.cache@lab1 (interface); "
                  "it is left alone (`virtplan destroy --target network.lan@lab1 --force` destroys it "
                  "anyway, cutting them off)"});
  }
  SECTION("a holder destroyed in the same plan does not hold it") {
    changes.push_back(Change{
        ObjectId{"domain", "db", "lab1"}, Action::destroy, Impact::none, {}, {}, json::object(), nullptr});
    std::vector<std::string> errors;
    check_data_safety(changes, lookup, errors);
    CHECK(errors ==
          Strings{"network.lan@lab1: would be destroyed but is held by domain.cache@lab1 (interface); "
                  "it is left alone (`virtplan destroy --target network.lan@lab1 --force` destroys it "
                  "anyway, cutting them off)"});
  }
}

TEST_CASE("data safety: force does not override a hold that is not forceable") {
  std::vector<Change> changes{Change{ObjectId{"volume", "data", "lab1"},
                                     Action::destroy,
                                     Impact::none,
                                     {},
                                     {},
                                     Spec{{"size", k_gib}, {"held_by", {"web"}}},
                                     nullptr}};
  std::vector<std::string> errors;
  check_data_safety(changes, lookup, errors, Force::yes);
  CHECK(changes.empty());
  CHECK(errors ==
        Strings{"volume.data@lab1: would be destroyed but is held by domain.web@lab1 (disk vda); it is "
                "left alone"});
}

}  // namespace
}  // namespace virtplan::planner
