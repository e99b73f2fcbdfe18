#include "planner/step_status.h"

namespace virtplan::planner {

std::string_view to_string(StepStatus status) {
  switch (status) {
    case StepStatus::done:
      return "done";
    case StepStatus::failed:
      return "failed";
    case StepStatus::skipped:
      return "skipped";
  }
  return "unknown";
}

}  // namespace virtplan::planner
