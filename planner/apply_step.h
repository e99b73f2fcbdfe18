#pragma once

// One step of an apply: how it ended (StepStatus), what became of its object
// (StepResult), and run_apply_step(), which carries it out.

#include "planner/apply_host_gate.h"
#include "planner/plan.h"
#include "providers/kind/actuator.h"
#include "providers/kind/object_id.h"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// StepStatus is how one object's step of an apply ended.
enum class StepStatus {
  done,     // the actuator succeeded (maybe with warnings)
  failed,   // the actuator, the host or the ownership record failed
  skipped,  // not run: something it depends on failed or was skipped
};

std::string_view to_string(StepStatus status);

// StepResult is what happened to one object during an apply: done, failed or
// skipped, why (the error, or "needs volume.x@lab1, which failed"), what a
// person should know even though it worked, and how long it took.
struct StepResult {
  providers::ObjectId id;
  Action action = Action::no_op;
  StepStatus status = StepStatus::done;
  std::string reason;                 // empty when done
  std::vector<std::string> warnings;  // in the order the actuator gave them
  std::chrono::milliseconds elapsed{0};

  bool operator==(const StepResult&) const = default;
};

// Finds a kind's actuator by name ("domain"); nullptr when it has none.
using ActuatorLookup = std::function<const providers::KindActuator*(std::string_view kind)>;

// run_apply_step() carries out one step of an apply on its host: waits for
// the host (ApplyHostGate), calls the kind's actuator (a replace is destroy
// then create) and records the outcome in the stack's ledger. It reports
// progress through `progress` and returns the step's result (never skipped:
// skipping is the scheduler's decision).
StepResult run_apply_step(const Change& change, const std::string& stack, const ActuatorLookup& actuators,
                          providers::HostAccess& hosts, ApplyHostGate& gate, providers::StopMode stop,
                          const std::function<void(std::string_view)>& progress);

}  // namespace virtplan::planner
