#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "planner/sensitive.h"
#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using planner::Action;
using planner::Change;
using planner::FieldChange;
using providers::Impact;

namespace {

// A kind that formats byte sizes and summarizes creates, like the real ones.
class RenderTestKind : public planner::testing::StubKind {
public:
  RenderTestKind() : StubKind("volume", "volumes") {}
  std::string summary(const providers::Spec& spec) const override {
    return spec.value("format", "") + " " + format_value("/capacity", spec.value("capacity", json(0)));
  }
  std::string format_value(std::string_view path, const json& value) const override {
    if (path == "/capacity" && value.is_number()) {
      return std::to_string(value.get<std::uint64_t>() >> 30) + " GiB";
    }
    return providers::ResourceKind::format_value(path, value);
  }
};

const RenderTestKind k_volume;

planner::KindLookup render_lookup() {
  return [](std::string_view k) -> const providers::ResourceKind* {
    return k == "volume" ? &k_volume : nullptr;
  };
}

constexpr std::uint64_t k_gib = 1ULL << 30;

planner::Plan sample_plan() {
  std::vector<Change> changes;
  changes.push_back(Change{{"volume", "web-root", "lab1"},
                           Action::create,
                           Impact::none,
                           {},
                           {},
                           nullptr,
                           json{{"format", "qcow2"}, {"capacity", 10 * k_gib}}});
  changes.push_back(Change{{"volume", "data", "lab1"},
                           Action::update,
                           Impact::live,
                           {},
                           {FieldChange{"/capacity", 10 * k_gib, 20 * k_gib, Impact::live}},
                           json{{"capacity", 10 * k_gib}},
                           json{{"capacity", 20 * k_gib}}});
  changes.push_back(Change{{"domain", "db", "lab1"},
                           Action::update,
                           Impact::restart,
                           {},
                           {FieldChange{"/cloud_init/password", "old", "new", Impact::restart},
                            FieldChange{"/disks/sdb", nullptr, json{{"volume", "data"}}, Impact::live},
                            FieldChange{"/vcpus/max", 2, 4, Impact::restart}},
                           json{{"vcpus", {{"max", 2}}}},
                           json{{"vcpus", {{"max", 4}}}}});
  changes.push_back(Change{{"domain", "old", "lab1"},
                           Action::destroy,
                           Impact::none,
                           {"volumes are separate resources and are kept"},
                           {},
                           json::object(),
                           nullptr});
  changes.push_back(Change{
      {"volume", "same", "lab1"}, Action::no_op, Impact::none, {}, {}, json::object(), json::object()});
  return planner::Plan("demo", std::move(changes));
}

}  // namespace

TEST_CASE("text plan lists changed objects sorted, fields indented, and counts them") {
  const std::string want =
      "  ~ domain.db@lab1        update  restart\n"
      "        cloud_init.password  (sensitive) -> (sensitive)\n"
      "      + disks.sdb {\"volume\":\"data\"}   (live)\n"
      "        vcpus.max  2 -> 4\n"
      "  - domain.old@lab1       destroy  volumes are separate resources and are kept\n"
      "  ~ volume.data@lab1      update  live\n"
      "        capacity  10 GiB -> 20 GiB\n"
      "  + volume.web-root@lab1  create  qcow2 10 GiB\n"
      "\n"
      "Plan: 1 to add, 2 to change (1 live, 1 restart), 0 to replace, 1 to destroy.\n";
  const std::string got = planner::render_plan_text(sample_plan(), render_lookup());
  INFO("got:\n" << got << "want:\n" << want);
  CHECK(got == want);
}

TEST_CASE("text plan of an up-to-date stack says so") {
  planner::Plan plan(
      "demo",
      {Change{{"volume", "a", "lab1"}, Action::no_op, Impact::none, {}, {}, json::object(), json::object()}});
  CHECK(planner::render_plan_text(plan, render_lookup()) == "No changes: 1 object up to date.\n");
}

TEST_CASE("json plan has the documented shape and masks secrets") {
  const json j = planner::plan_to_json(sample_plan(), planner::Secrets::masked);
  CHECK(j["format_version"] == "1");
  CHECK(j["stack"] == "demo");
  REQUIRE(j["changes"].size() == 5);
  const json& db = j["changes"][0];
  CHECK(db["address"] == "domain.db@lab1");
  CHECK(db["action"] == "update");
  CHECK(db["impact"] == "restart");
  CHECK(db["fields"][0]["path"] == "/cloud_init/password");
  CHECK(db["fields"][0]["before"] == "(sensitive)");
  CHECK(db["fields"][0]["after"] == "(sensitive)");
  CHECK(j["changes"][3]["action"] == "no-op");
  CHECK(j["summary"] == json{{"add", 1},
                             {"change", 2},
                             {"change_live", 1},
                             {"change_config", 0},
                             {"change_restart", 1},
                             {"replace", 0},
                             {"destroy", 1},
                             {"migrate", 0},
                             {"no_op", 1}});
  CHECK(j.dump().find("\"new\"") == std::string::npos);
}

TEST_CASE("a saved plan reads back equal, secrets included") {
  const planner::Plan plan = sample_plan();
  const json saved = planner::plan_to_json(plan, planner::Secrets::kept);
  auto loaded = planner::plan_from_json(json::parse(saved.dump()));
  REQUIRE(loaded.has_value());
  CHECK(*loaded == plan);
}

TEST_CASE("a plan file of another format or shape is refused with a reason") {
  json other = planner::plan_to_json(sample_plan(), planner::Secrets::kept);
  other["format_version"] = "9";
  auto r = planner::plan_from_json(other);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message() == "plan format version 9 is not supported (this virtplan reads 1)");
  auto bad = planner::plan_from_json(json{{"format_version", "1"}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().starts_with("not a virtplan plan: "));
}

TEST_CASE("sensitive keys are recognized whatever their case") {
  CHECK(planner::is_sensitive_key("root_password"));
  CHECK(planner::is_sensitive_key("API_TOKEN"));
  CHECK_FALSE(planner::is_sensitive_key("memory"));
  CHECK(planner::mask_sensitive(json{{"users", {{{"name", "a"}, {"passwd", "x"}}}}}) ==
        json{{"users", {{{"name", "a"}, {"passwd", "(sensitive)"}}}}});
}

TEST_CASE(
    "a volume moving between pools shows both changes with their pools, and a saved plan keeps the pools") {
  providers::ObjectId moved{"volume", "root", "lab1", "new-img"};
  providers::ObjectId left{"volume", "root", "lab1", "old-img"};
  planner::Plan plan("demo", {Change{moved,
                                     Action::create,
                                     Impact::none,
                                     {},
                                     {},
                                     nullptr,
                                     json{{"format", "qcow2"}, {"capacity", k_gib}}},
                              Change{left, Action::destroy, Impact::none, {}, {}, json::object(), nullptr},
                              Change{{"volume", "data", "lab1", "new-img"},
                                     Action::destroy,
                                     Impact::none,
                                     {},
                                     {},
                                     json::object(),
                                     nullptr}});
  const std::string got = planner::render_plan_text(plan, render_lookup());
  INFO(got);
  CHECK(got.find("  + volume.new-img/root@lab1  create") != std::string::npos);
  CHECK(got.find("  - volume.old-img/root@lab1  destroy") != std::string::npos);
  CHECK(got.find("  - volume.data@lab1") != std::string::npos);  // one of its name: no pool needed

  const json saved = planner::plan_to_json(plan, planner::Secrets::kept);
  auto loaded = planner::plan_from_json(json::parse(saved.dump()));
  REQUIRE(loaded.has_value());
  CHECK(*loaded == plan);
  CHECK(saved["changes"][0]["pool"].is_string());
}

// A title or description read from a host is printed in the plan: a newline
// in it forged a plan line, an escape sequence rewrote the terminal.
TEST_CASE("plan text escapes control characters in values from hosts: no forged line, no escape sequence") {
  std::vector<Change> changes;
  const std::string forged = "old\n  - volume.precious@lab1  destroy\n\x1b[2J\x1b[1A";
  changes.push_back(
      Change{{"domain", "web", "lab1"},
             Action::update,
             Impact::live,
             {},
             {FieldChange{"/title", forged, "new", Impact::live}, FieldChange{"/description",
                                                                              "\x9b"
                                                                              "31m red",
                                                                              "ok\r\t\x7f", Impact::live}},
             json{{"title", forged}},
             json{{"title", "new"}}});
  changes.push_back(Change{{"volume", "we\x1b]0;owned\x07ird", "lab1"},
                           Action::destroy,
                           Impact::none,
                           {"holds \u202e\u00e9t\u00e9"},
                           {},
                           json::object(),
                           nullptr});
  const std::string text =
      planner::render_plan_text(planner::Plan("demo", std::move(changes)), render_lookup());
  INFO(text);
  CHECK(text.find("\x1b") == std::string::npos);
  CHECK(text.find("\r") == std::string::npos);
  CHECK(text.find("\x7f") == std::string::npos);
  CHECK(text.find("\n  - volume.precious") == std::string::npos);
  CHECK(text.find(R"(title  old\n  - volume.precious@lab1  destroy\n\e[2J\e[1A -> new)") !=
        std::string::npos);
  CHECK(text.find(R"(description  \x9b31m red -> ok\r\t\x7f)") != std::string::npos);
  CHECK(text.find(R"(- volume.we\e]0;owned\x07ird@lab1)") != std::string::npos);
  // Letters beyond ASCII stay; a bidirectional override does not.
  CHECK(text.find("holds \\u202e\u00e9t\u00e9") != std::string::npos);
}
