#pragma once

// render_plan_text() is the plan as a person reads it (stack-format.md): one
// line per changed object with its action and impact, changed fields
// indented under it, and a closing count. Unchanged objects are not listed.

#include "planner/diff.h"
#include "planner/plan.h"

#include <string>

namespace virtplan::planner {

std::string render_plan_text(const Plan& plan, const KindLookup& kinds);

// "Plan: 1 to add, 3 to change (1 live, 2 restart), 1 to replace, 1 to destroy."
// or "No changes: 4 objects up to date."
std::string render_summary_line(const PlanSummary& summary);

}  // namespace virtplan::planner
