#pragma once

// StepResult is what happened to one object during an apply: done, failed or
// skipped, why (the error, or "needs volume.x@lab1, which failed"), what a
// person should know even though it worked, and how long it took.

#include "planner/action.h"
#include "planner/step_status.h"
#include "providers/kind/object_id.h"

#include <chrono>
#include <string>
#include <vector>

namespace virtplan::planner {

struct StepResult {
  providers::ObjectId id;
  Action action = Action::no_op;
  StepStatus status = StepStatus::done;
  std::string reason;                 // empty when done
  std::vector<std::string> warnings;  // in the order the actuator gave them
  std::chrono::milliseconds elapsed{0};

  bool operator==(const StepResult&) const = default;
};

}  // namespace virtplan::planner
