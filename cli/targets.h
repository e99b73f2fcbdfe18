#pragma once

// `--target ADDR` as plan, apply and destroy read it: the addresses parsed
// (a typo is an error showing the form), then the plan narrowed to the
// targets and what they depend on (planner/target_selection.h), so that
// `plan --target X` shows exactly what `apply --target X` does.

#include "planner/plan.h"
#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <string>
#include <vector>

namespace virtplan::cli {

providers::Result<std::vector<providers::ObjectId>> parse_targets(const std::vector<std::string>& addresses);

// The plan itself when no target is given.
providers::Result<planner::Plan> narrow_to_targets(const planner::Plan& plan,
                                                   const std::vector<std::string>& addresses);

}  // namespace virtplan::cli
