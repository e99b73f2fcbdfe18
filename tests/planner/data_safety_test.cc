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
  Impact impact(std::string_view path, const json&, const json&) const override {
    return path == "/format" ? Impact::replace : Impact::live;
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

class HolderKind : public testing::StubKind {
public:
  HolderKind() : StubKind("domain", "domains") {}
};

const DiskKind k_disks;
const HolderKind k_domains;

const providers::ResourceKind* lookup(std::string_view kind) {
  if (kind == "volume") return &k_disks;
  if (kind == "domain") return &k_domains;
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
  auto result = diff("demo", {declared("volume", "disk", {{"size", k_gib}, {"format", "qcow2"}})},
                     observed, lookup);
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
  auto result = diff("demo",
                     {declared("volume", "disk", {{"size", k_gib}, {"format", "qcow2"}, {"protect", true}})},
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

TEST_CASE("data safety: an update the kind refuses is not planned") {
  ObservedState observed;
  observed.objects = {owned("volume", "data", {{"size", 2 * k_gib}})};
  auto result = diff("demo", {declared("volume", "data", {{"size", k_gib}})}, observed, lookup);
  CHECK(result.errors == Strings{"volume.data@lab1: size shrinks; it is left alone"});
  CHECK(result.plan.changes().empty());
}

}  // namespace
}  // namespace virtplan::planner
