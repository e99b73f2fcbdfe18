#pragma once

// The plans that `apply` and `destroy` carry out, made the same way for the
// command line and the Ansible module. Each comes with the errors that block
// it; a caller changes nothing when there are any.

#include "planner/data_safety.h"
#include "planner/diff.h"
#include "planner/observed_state.h"
#include "planner/stack.h"
#include "providers/kind/object_id.h"

#include <vector>

namespace virtplan::cli {

// apply's diff of the hosts that were read. Objects on hosts that could not
// be reached are left out (callers name those hosts), so every error left
// blocks the apply: an object in the way that the stack does not own, a
// change the data-safety rules refuse.
planner::DiffResult diff_reached(const planner::Stack& stack, const planner::ObservedState& observed);

// destroy's plan: everything the stack owns (or the targets and the owned
// objects that need them), less nothing: a protected or held object is an
// error that blocks the whole destroy rather than a silent omission. With
// Force::yes (`destroy --force`) a network that foreign domains still use is
// destroyed anyway, the plan naming each domain it cuts off.
planner::DiffResult guarded_destroy_plan(const planner::Stack& stack, const planner::ObservedState& observed,
                                         const std::vector<providers::ObjectId>& targets,
                                         planner::Force force = planner::Force::no);

}  // namespace virtplan::cli
