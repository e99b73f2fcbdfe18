#pragma once

// NullApplyObserver hears nothing: for callers that only want the report.

#include "planner/apply_observer.h"

namespace virtplan::planner {

class NullApplyObserver : public ApplyObserver {
public:
  void step_started(const providers::ObjectId&, Action) override {}
  void step_progress(const providers::ObjectId&, std::string_view) override {}
  void step_finished(const StepResult&) override {}
};

}  // namespace virtplan::planner
