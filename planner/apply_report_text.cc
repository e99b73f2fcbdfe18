#include "planner/apply_report_text.h"

#include <fmt/format.h>

namespace virtplan::planner {

std::string render_apply_report_text(const ApplyReport& report) {
  std::string out;
  for (const std::string& error : report.errors()) out += fmt::format("Error: {}\n", error);
  out += fmt::format("Apply: {} done, {} failed, {} skipped.\n", report.done(), report.failed(),
                     report.skipped());
  for (const StepResult& r : report.results()) {
    if (r.status == StepStatus::done) continue;
    out += fmt::format("  {}: {}: {}\n", r.id.address(), to_string(r.status), r.reason);
  }
  for (const StepResult& r : report.results()) {
    for (const std::string& warning : r.warnings) {
      out += fmt::format("  {}: warning: {}\n", r.id.address(), warning);
    }
  }
  return out;
}

}  // namespace virtplan::planner
