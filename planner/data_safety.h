#pragma once

// check_data_safety() is the planner's generic guard against losing data,
// applied to a plan's changes after diff(), with facts each kind gives
// (providers/resource_kind.h: is_protected, holds, data_at_risk, refusal):
//   - a protected object is never destroyed or replaced;
//   - an object something holds (a volume a domain's disk uses, the backing
//     file of an overlay, a pool with volumes when replaced) is neither,
//     unless every holder is itself destroyed in the same plan;
//   - an update or replace the kind refuses (a shrink without allow_shrink)
//     is not made;
// each refused change leaves the plan and becomes an error that says why and
// what holds it. Every destroy or replace that loses data says how much in
// its reasons ("DATA LOSS: 10 GiB").

#include "planner/change.h"
#include "planner/diff.h"

#include <string>
#include <vector>

namespace virtplan::planner {

void check_data_safety(std::vector<Change>& changes, const KindLookup& kinds,
                       std::vector<std::string>& errors);

}  // namespace virtplan::planner
