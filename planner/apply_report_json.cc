#include "planner/apply_report_json.h"

#include "providers/kind/object_address.h"

namespace virtplan::planner {

using nlohmann::json;

namespace {

json step_json(const StepResult& r) {
  json out = providers::object_id_json(r.id);
  out.update({{"action", to_string(r.action)},
              {"status", to_string(r.status)},
              {"reason", r.reason},
              {"warnings", r.warnings},
              {"elapsed_ms", r.elapsed.count()}});
  return out;
}

}  // namespace

json apply_report_json(const ApplyReport& report) {
  json objects = json::array();
  for (const StepResult& r : report.results()) objects.push_back(step_json(r));
  return json{
      {"format_version", "1"},
      {"ok", report.ok()},
      {"elapsed_ms", report.elapsed().count()},
      {"summary", {{"done", report.done()}, {"failed", report.failed()}, {"skipped", report.skipped()}}},
      {"errors", report.errors()},
      {"objects", std::move(objects)}};
}

}  // namespace virtplan::planner
