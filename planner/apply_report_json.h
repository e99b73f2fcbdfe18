#pragma once

// The apply report as JSON, for `apply --json`:
//   {"format_version": "1", "ok": false, "elapsed_ms": 1234,
//    "summary": {"done": 3, "failed": 1, "skipped": 2}, "errors": [...],
//    "objects": [{"address": "domain.db@lab1", "action": "create",
//                 "status": "skipped", "reason": "...", "warnings": [],
//                 "elapsed_ms": 0}, ...]}
// objects sorted by address.

#include "planner/apply_report.h"

#include <nlohmann/json.hpp>

namespace virtplan::planner {

nlohmann::json apply_report_json(const ApplyReport& report);

}  // namespace virtplan::planner
