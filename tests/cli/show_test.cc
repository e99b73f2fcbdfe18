// `virtplan show PLANFILE`: the real binary renders a saved plan as text and
// as JSON with secrets masked, and refuses files that are not plans.

#include "planner/plan_json.h"
#include "tests/support/virtplan_process.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace virtplan;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// A temporary directory holding one saved plan, removed afterwards.
struct SavedPlan {
  fs::path dir = fs::temp_directory_path() / ("vp-show-" + std::to_string(getpid()));
  SavedPlan() {
    fs::create_directories(dir);
    std::vector<planner::Change> changes;
    changes.push_back(planner::Change{{"volume", "data", "lab1"},
                                      planner::Action::update,
                                      providers::Impact::live,
                                      {},
                                      {planner::FieldChange{"/capacity", 1, 2, providers::Impact::live}},
                                      json{{"capacity", 1}},
                                      json{{"capacity", 2}}});
    changes.push_back(planner::Change{{"domain", "web", "lab1"},
                                      planner::Action::create,
                                      providers::Impact::none,
                                      {},
                                      {},
                                      nullptr,
                                      json{{"cloud_init", {{"root_password", "hunter2"}}}}});
    std::ofstream(dir / "saved.plan")
        << planner::plan_to_json(planner::Plan("demo", std::move(changes)), planner::Secrets::kept).dump(2);
    std::ofstream(dir / "garbage.plan") << "not json at all";
  }
  ~SavedPlan() { fs::remove_all(dir); }
};

}  // namespace

TEST_CASE("show renders a saved plan as text without contacting hosts") {
  SavedPlan saved;
  auto run = test::run_virtplan("show saved.plan", saved.dir);
  CHECK(run.status == 0);
  CHECK(run.output.find("  + domain.web@lab1") != std::string::npos);
  CHECK(run.output.find("  ~ volume.data@lab1") != std::string::npos);
  CHECK(run.output.find("Plan: 1 to add, 1 to change (1 live, 0 restart), 0 to replace, 0 to destroy.") !=
        std::string::npos);
}

TEST_CASE("show --json masks the secrets the saved file keeps") {
  SavedPlan saved;
  auto run = test::run_virtplan("show --json saved.plan", saved.dir);
  REQUIRE(run.status == 0);
  const json shown = json::parse(run.output);
  CHECK(shown["changes"][0]["after"]["cloud_init"]["root_password"] == "(sensitive)");
  CHECK(run.output.find("hunter2") == std::string::npos);
}

TEST_CASE("show refuses a missing file and a file that is not a plan") {
  SavedPlan saved;
  auto missing = test::run_virtplan("show nope.plan", saved.dir);
  CHECK(missing.status == 1);
  CHECK(missing.output == "nope.plan: cannot be read: No such file or directory\n");
  auto garbage = test::run_virtplan("show garbage.plan", saved.dir);
  CHECK(garbage.status == 1);
  CHECK(garbage.output == "garbage.plan: not a virtplan plan: not JSON\n");
}
