#pragma once

// destroy_plan() is the plan of `virtplan destroy`: destroy every object the
// stack owns (Ownership::ours) on the hosts that could be read; objects it
// does not own are never in it. apply_plan() orders the destroys in reverse
// (ApplyGraph).
//
// With targets, it destroys the targets plus every owned object that depends
// on one of them, transitively (by the kinds' references from the observed
// specs): a pool takes its owned volumes, and a volume the owned domains
// whose disks use it. Destroying a target alone would fail (libvirt will not
// delete a pool that still holds volumes) or leave owned objects broken (a
// domain whose disk is gone), so they are planned, and shown, together. An
// object another stack owns or nobody owns is never added, even when it
// depends on a target; its actuator step fails instead, with libvirt's words.
// A target the stack does not own there is an error.

#include "planner/diff.h"
#include "planner/observed_state.h"
#include "planner/plan.h"
#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <string>
#include <vector>

namespace virtplan::planner {

providers::Result<Plan> destroy_plan(const std::string& stack, const ObservedState& observed,
                                     const KindLookup& kinds,
                                     const std::vector<providers::ObjectId>& targets = {});

}  // namespace virtplan::planner
