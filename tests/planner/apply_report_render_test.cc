#include "planner/apply_report_json.h"
#include "planner/apply_report_text.h"

#include "tests/planner/apply_plan_builder.h"

#include <catch2/catch.hpp>

using namespace virtplan::planner;
using namespace virtplan::planner::testing;
using namespace std::chrono_literals;

namespace {

ApplyReport sample_report() {
  return ApplyReport(
      {StepResult{id_of("volume.data@lab1"),
                  Action::create,
                  StepStatus::failed,
                  "volume.data@lab1: virsh vol-create failed: no space",
                  {},
                  120ms},
       StepResult{id_of("domain.web@lab1"), Action::update, StepStatus::done, "", {"restart pending"}, 900ms},
       StepResult{id_of("domain.db@lab1"),
                  Action::create,
                  StepStatus::skipped,
                  "needs volume.data@lab1, which failed",
                  {},
                  0ms},
       StepResult{id_of("pool.p@lab1"), Action::create, StepStatus::done, "", {}, 50ms},
       StepResult{id_of("network.lan@lab2"),
                  Action::destroy,
                  StepStatus::failed,
                  "lab2: connection refused",
                  {},
                  10ms},
       StepResult{id_of("volume.root@lab1"), Action::create, StepStatus::done, "", {}, 70ms}},
      {}, 1500ms);
}

}  // namespace

TEST_CASE("apply report: sorted by address, counted, not ok with failures") {
  const ApplyReport report = sample_report();
  CHECK(report.results().front().id.address() == "domain.db@lab1");
  CHECK(report.results().back().id.address() == "volume.root@lab1");
  CHECK(report.done() == 3);
  CHECK(report.failed() == 2);
  CHECK(report.skipped() == 1);
  CHECK_FALSE(report.ok());
  CHECK(ApplyReport({}, {}, 0ms).ok());
}

TEST_CASE("apply report text: the summary, then each failed and skipped object, then warnings") {
  CHECK(render_apply_report_text(sample_report()) ==
        "Apply: 3 done, 2 failed, 1 skipped.\n"
        "  domain.db@lab1: skipped: needs volume.data@lab1, which failed\n"
        "  network.lan@lab2: failed: lab2: connection refused\n"
        "  volume.data@lab1: failed: volume.data@lab1: virsh vol-create failed: no space\n"
        "  domain.web@lab1: warning: restart pending\n");
}

TEST_CASE("apply report text: errors that stopped the apply come first") {
  ApplyReport report(
      {}, {"dependency cycle: volume.a@lab1 -> volume.b@lab1 -> volume.a@lab1; nothing was done"}, 0ms);
  CHECK(render_apply_report_text(report) ==
        "Error: dependency cycle: volume.a@lab1 -> volume.b@lab1 -> volume.a@lab1; nothing was done\n"
        "Apply: 0 done, 0 failed, 0 skipped.\n");
}

TEST_CASE("apply report json: summary and objects sorted by address") {
  const nlohmann::json j = apply_report_json(sample_report());
  CHECK(j["format_version"] == "1");
  CHECK(j["ok"] == false);
  CHECK(j["elapsed_ms"] == 1500);
  CHECK(j["summary"] == nlohmann::json{{"done", 3}, {"failed", 2}, {"skipped", 1}});
  REQUIRE(j["objects"].size() == 6);
  CHECK(j["objects"][0] == nlohmann::json{{"address", "domain.db@lab1"},
                                          {"kind", "domain"},
                                          {"name", "db"},
                                          {"host", "lab1"},
                                          {"action", "create"},
                                          {"status", "skipped"},
                                          {"reason", "needs volume.data@lab1, which failed"},
                                          {"warnings", nlohmann::json::array()},
                                          {"elapsed_ms", 0}});
  CHECK(j["objects"][1]["warnings"] == nlohmann::json{"restart pending"});
}
