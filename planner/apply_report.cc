#include "planner/apply_report.h"

#include <algorithm>

namespace virtplan::planner {

ApplyReport::ApplyReport(std::vector<StepResult> results, std::vector<std::string> errors,
                         std::chrono::milliseconds elapsed)
    : m_results(std::move(results)), m_errors(std::move(errors)), m_elapsed(elapsed) {
  std::sort(m_results.begin(), m_results.end(),
            [](const StepResult& a, const StepResult& b) { return a.id.address() < b.id.address(); });
  std::sort(m_errors.begin(), m_errors.end());
}

int ApplyReport::count(StepStatus status) const {
  return static_cast<int>(std::count_if(m_results.begin(), m_results.end(),
                                        [status](const StepResult& r) { return r.status == status; }));
}

}  // namespace virtplan::planner
