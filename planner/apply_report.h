#pragma once

// ApplyReport is the outcome of one apply: a StepResult per planned change
// (no-ops are not steps), sorted by address, plus errors that kept the apply
// from starting at all (a dependency cycle) or stopped part of it (a replica
// group's roll, planner/rolling.h). Rendered by apply_report_text.h
// and apply_report_json.h.

#include "planner/apply_step.h"

#include <chrono>
#include <string>
#include <vector>

namespace virtplan::planner {

class ApplyReport {
public:
  ApplyReport() = default;
  ApplyReport(std::vector<StepResult> results, std::vector<std::string> errors,
              std::chrono::milliseconds elapsed);

  const std::vector<StepResult>& results() const { return m_results; }
  const std::vector<std::string>& errors() const { return m_errors; }
  std::chrono::milliseconds elapsed() const { return m_elapsed; }

  int done() const { return count(StepStatus::done); }
  int failed() const { return count(StepStatus::failed); }
  int skipped() const { return count(StepStatus::skipped); }
  int count(StepStatus status) const;

  // Everything planned was done (an empty plan is ok).
  bool ok() const { return m_errors.empty() && failed() == 0 && skipped() == 0; }

private:
  std::vector<StepResult> m_results;  // sorted by address
  std::vector<std::string> m_errors;  // sorted
  std::chrono::milliseconds m_elapsed{0};
};

}  // namespace virtplan::planner
