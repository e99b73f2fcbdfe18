#include "planner/apply_report_text.h"

#include "providers/base/printable_text.h"

#include <fmt/format.h>

namespace virtplan::planner {

// Reasons, warnings and errors quote hosts (libvirt's messages, names): each
// stays on its line (providers/base/printable_text.h).
std::string render_apply_report_text(const ApplyReport& report) {
  using providers::printable_text;
  std::string out;
  for (const std::string& error : report.errors()) out += fmt::format("Error: {}\n", printable_text(error));
  out += fmt::format("Apply: {} done, {} failed, {} skipped.\n", report.done(), report.failed(),
                     report.skipped());
  for (const StepResult& r : report.results()) {
    if (r.status == StepStatus::done) continue;
    out += fmt::format("  {}: {}: {}\n", printable_text(r.id.address()), to_string(r.status),
                       printable_text(r.reason));
  }
  for (const StepResult& r : report.results()) {
    for (const std::string& warning : r.warnings) {
      out += fmt::format("  {}: warning: {}\n", printable_text(r.id.address()), printable_text(warning));
    }
  }
  return out;
}

}  // namespace virtplan::planner
