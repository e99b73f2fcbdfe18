#pragma once

// ProgressPrinter shows an apply as it happens, one line per object as it
// starts and one as it ends, with the time it took:
//
//     pool.images@lab1: creating
//     pool.images@lab1: created (0.4 s)
//     domain.web@lab1: update failed after 1.2 s: lab1: virsh start failed: ...
//     domain.db@lab1: skipped: needs volume.db-root@lab1, which failed
//
// Long steps add lines of their own ("domain.web@lab1: waiting for shutdown,
// 12 s"). The same lines go to a terminal and to a CI log: both are read by
// people waiting for the apply to end.

#include "planner/apply_observer.h"

#include <cstdio>

namespace virtplan::cli {

class ProgressPrinter : public planner::ApplyObserver {
public:
  explicit ProgressPrinter(std::FILE* out) : m_out(out) {}

  void step_started(const providers::ObjectId& id, planner::Action action) override;
  void step_progress(const providers::ObjectId& id, std::string_view text) override;
  void step_finished(const planner::StepResult& result) override;

private:
  std::FILE* m_out;
};

}  // namespace virtplan::cli
