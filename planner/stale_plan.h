#pragma once

// A saved plan is stale when a host no longer holds what it held when the
// plan was made: applying it would act on a `before` that is gone. apply
// diffs the stack again and compares `before` object by object; an object
// that appeared on a host or disappeared from one since counts as changed.
// Only `before` is compared: `after` is the saved plan's to carry out.

#include "planner/plan.h"
#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <vector>

namespace virtplan::planner {

// Every object whose `before` differs between the saved and the fresh plan
// (missing from a plan counts as null), sorted by address.
std::vector<providers::ObjectId> stale_objects(const Plan& saved, const Plan& fresh);

// Fails with ErrorCode::stale when stale_objects() finds any: "saved plan is
// stale: domain.web@lab1 changed since it was planned; run plan again", or
// when the plans are of different stacks.
providers::Result<void> check_not_stale(const Plan& saved, const Plan& fresh);

}  // namespace virtplan::planner
