#pragma once

// ApplyObserver hears how an apply goes, step by step, so a caller can show
// progress (the CLI prints one line as each object starts and ends). The
// engine itself never prints.
//
// Calls come from the executor's worker threads but never two at once (the
// executor serializes them), so an observer needs no lock of its own. A
// skipped step gets step_finished only; every other step gets step_started,
// any number of step_progress, then step_finished.

#include "planner/apply_step.h"
#include "planner/plan.h"
#include "providers/kind/object_id.h"

#include <string_view>

namespace virtplan::planner {

class ApplyObserver {
public:
  virtual ~ApplyObserver() = default;
  virtual void step_started(const providers::ObjectId& id, Action action) = 0;
  // What a long step is doing ("waiting for shutdown, 12 s"); display only.
  virtual void step_progress(const providers::ObjectId& id, std::string_view text) = 0;
  virtual void step_finished(const StepResult& result) = 0;
};

// NullApplyObserver hears nothing: for callers that only want the report.
class NullApplyObserver : public ApplyObserver {
public:
  void step_started(const providers::ObjectId&, Action) override {}
  void step_progress(const providers::ObjectId&, std::string_view) override {}
  void step_finished(const StepResult&) override {}
};

}  // namespace virtplan::planner
