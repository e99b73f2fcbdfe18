#pragma once

// StepStatus is how one object's step of an apply ended.

#include <string_view>

namespace virtplan::planner {

enum class StepStatus {
  done,     // the actuator succeeded (maybe with warnings)
  failed,   // the actuator, the host or the ownership record failed
  skipped,  // not run: something it depends on failed or was skipped
};

std::string_view to_string(StepStatus status);

}  // namespace virtplan::planner
