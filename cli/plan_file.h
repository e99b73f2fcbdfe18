#pragma once

// A plan saved by `plan --out` and read back by `apply PLANFILE` and
// `show PLANFILE`. The file holds real values (secrets included: it is applied
// later), so it is written readable by its owner only.

#include "planner/plan.h"
#include "providers/base/error.h"

#include <string>

namespace virtplan::cli {

providers::Result<void> save_plan(const planner::Plan& plan, const std::string& file);
providers::Result<planner::Plan> read_plan(const std::string& file);

}  // namespace virtplan::cli
