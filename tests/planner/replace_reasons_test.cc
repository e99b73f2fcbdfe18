// A replace's reasons are printed as they are (plan text, apply's log): a
// field that forces the replace and holds a secret (cloud-init user-data)
// shows as "(sensitive)" there too.

#include "planner/diff.h"
#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using providers::Impact;

namespace {

class SeedKind : public planner::testing::StubKind {
public:
  SeedKind() : StubKind("volume", "volumes") {}
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_seed_rules[] = {{"/**", Impact::replace}};
    static constexpr providers::FieldRules k_rules{k_seed_rules};
    return k_rules;
  }
};

const SeedKind k_seed_kind;

}  // namespace

TEST_CASE("replace reasons mask user-data, whether it is the field or inside it") {
  providers::StackObject declared;
  declared.id = {"volume", "web-cidata", "lab1"};
  declared.spec = {{"cloud_init", {{"user_data", "password: hunter2-new"}, {"sha256", "bb"}}},
                   {"format", "raw"}};
  // Changed inputs, and a seed whose inputs were never recorded (the whole map added).
  planner::ObservedObject changed{
      {"volume", "web-cidata", "lab1"},
      {{"cloud_init", {{"user_data", "password: hunter2-old"}, {"sha256", "aa"}}}, {"format", "raw"}},
      planner::Ownership::ours,
      "demo"};
  planner::ObservedObject unrecorded{
      {"volume", "web-cidata", "lab1"}, {{"format", "raw"}}, planner::Ownership::ours, "demo"};
  auto lookup = [](std::string_view) -> const providers::ResourceKind* { return &k_seed_kind; };
  for (const auto& observed : {changed, unrecorded}) {
    auto result = planner::diff("demo", {declared}, planner::ObservedState{{observed}, {}}, lookup);
    REQUIRE(result.plan.changes().size() == 1);
    const planner::Change& change = result.plan.changes().front();
    CHECK(change.action == planner::Action::replace);
    REQUIRE_FALSE(change.reasons.empty());
    for (const std::string& reason : change.reasons) {
      INFO(reason);
      CHECK(reason.find("hunter2") == std::string::npos);
      CHECK(reason.find("forces replacement") != std::string::npos);
    }
  }
  auto again = planner::diff("demo", {declared}, planner::ObservedState{{changed}, {}}, lookup);
  CHECK(again.plan.changes().front().reasons.front() ==
        R"(/cloud_init/sha256 "aa" -> "bb" forces replacement)");
  CHECK(again.plan.changes().front().reasons.back() ==
        R"x(/cloud_init/user_data "(sensitive)" -> "(sensitive)" forces replacement)x");
}

TEST_CASE("replace reasons mask a seed's meta-data and network-config as they mask user-data") {
  providers::StackObject declared;
  declared.id = {"volume", "web-cidata", "lab1"};
  declared.spec = {{"cloud_init",
                    {{"user_data", "#cloud-config\n"},
                     {"meta_data", "token: mt-new"},
                     {"network_config", "pass: wifi-new"},
                     {"sha256", "bb"}}},
                   {"format", "raw"}};
  planner::ObservedObject observed{{"volume", "web-cidata", "lab1"},
                                   {{"cloud_init",
                                     {{"user_data", "#cloud-config\n"},
                                      {"meta_data", "token: mt-old"},
                                      {"network_config", "pass: wifi-old"},
                                      {"sha256", "aa"}}},
                                    {"format", "raw"}},
                                   planner::Ownership::ours,
                                   "demo"};
  auto lookup = [](std::string_view) -> const providers::ResourceKind* { return &k_seed_kind; };
  auto result = planner::diff("demo", {declared}, planner::ObservedState{{observed}, {}}, lookup);
  REQUIRE(result.plan.changes().size() == 1);
  const auto& reasons = result.plan.changes().front().reasons;
  REQUIRE(reasons.size() == 3);
  for (const std::string& reason : reasons) {
    INFO(reason);
    CHECK(reason.find("mt-") == std::string::npos);
    CHECK(reason.find("wifi-") == std::string::npos);
  }
}
