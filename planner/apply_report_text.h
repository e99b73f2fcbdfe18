#pragma once

// The apply report as a person reads it, after the progress lines:
//
//   Apply: 3 done, 1 failed, 2 skipped.
//     domain.db@lab1: skipped: needs volume.data@lab1, which failed
//     volume.data@lab1: failed: lab1: virsh vol-create failed: ...
//
// then warnings ("  domain.web@lab1: warning: restart pending"), one per line,
// sorted by address. Errors that kept the apply from starting come first.

#include "planner/apply_report.h"

#include <string>

namespace virtplan::planner {

std::string render_apply_report_text(const ApplyReport& report);

}  // namespace virtplan::planner
