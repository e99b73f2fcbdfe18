#pragma once

// A saved plan is stale when a host no longer holds what it held when the
// plan was made: applying it would act on a `before` that is gone. apply
// diffs the stack again and compares the whole observed spec object by
// object (Change::observed_spec(): also what the stack does not declare,
// such as a domain's power state, on which its impacts depend); an object
// that appeared on a host or disappeared from one since counts as changed.
// Only what was observed is compared: `after` is the saved plan's to carry
// out.

#include "planner/plan.h"
#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <vector>

namespace virtplan::planner {

// Every object whose observed spec differs between the saved and the fresh plan
// (missing from a plan counts as null), sorted by address.
std::vector<providers::ObjectId> stale_objects(const Plan& saved, const Plan& fresh);

// Fails with ErrorCode::stale when stale_objects() finds any: "saved plan is
// stale: domain.web@lab1 changed since it was planned; run plan again", or
// when the plans are of different stacks.
providers::Result<void> check_not_stale(const Plan& saved, const Plan& fresh);

}  // namespace virtplan::planner
