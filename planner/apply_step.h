#pragma once

// run_apply_step() carries out one step of an apply on its host: waits for
// the host (ApplyHostGate), calls the kind's actuator (a replace is destroy
// then create) and records the outcome in the stack's ledger. It reports
// progress through `progress` and returns the step's result (never skipped:
// skipping is the scheduler's decision).

#include "planner/apply_executor.h"
#include "planner/apply_host_gate.h"
#include "planner/change.h"
#include "planner/step_result.h"

#include <functional>
#include <string>
#include <string_view>

namespace virtplan::planner {

StepResult run_apply_step(const Change& change, const std::string& stack, const ActuatorLookup& actuators,
                          providers::HostAccess& hosts, ApplyHostGate& gate, providers::StopMode stop,
                          const std::function<void(std::string_view)>& progress);

}  // namespace virtplan::planner
