#pragma once

// select_targets() narrows a plan to what `apply --target ADDR` asks: the
// targets' changes plus every change they depend on, transitively, in the
// ApplyGraph's sense (a domain's create takes its volume's and network's
// creates; a volume's destroy takes the destroys of the domains using it),
// so that the narrowed plan can run on its own. Other changes are dropped
// (no-ops of the targets stay, so a target that needs nothing shows as
// unchanged). A target that is not in the plan is an error naming it.

#include "planner/diff.h"
#include "planner/plan.h"
#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <vector>

namespace virtplan::planner {

providers::Result<Plan> select_targets(const Plan& plan, const std::vector<providers::ObjectId>& targets,
                                       const KindLookup& kinds);

}  // namespace virtplan::planner
