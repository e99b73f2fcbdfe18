#pragma once

// check_data_safety() is the planner's generic guard against losing data,
// applied to a plan's changes after diff(), with facts each kind gives
// (providers/kind/resource_kind.h: is_protected, holds, data_at_risk, lost_state,
// refusal):
//   - a protected object is never destroyed or replaced;
//   - an object something holds (a volume a domain's disk uses, the backing
//     file of an overlay, a pool with volumes when replaced, a network a
//     domain's interface uses) is neither, unless every holder is itself
//     destroyed, or migrated away from that host, in the same plan;
//   - an update or replace the kind refuses (a shrink without allow_shrink)
//     is not made;
// each refused change leaves the plan and becomes an error that says why and
// what holds it. With Force::yes (`virtplan destroy --force`) a hold the kind
// calls forceable (a network's foreign users) does not refuse: the change
// stays, with a reason naming every holder it cuts off ("FORCED: cuts
// domain.db@lab1 (interface 52:54:00:12:34:56, running) off the network").
// Every destroy or replace that loses data says what in its reasons
// ("DATA LOSS: 10 GiB", "DATA LOSS: managed save, NVRAM, 3 snapshots").

#include "planner/diff.h"
#include "planner/plan.h"

#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

enum class Force { no, yes };

void check_data_safety(std::vector<Change>& changes, const KindLookup& kinds,
                       std::vector<std::string>& errors, Force force = Force::no);

// What destroying the observed object loses, after "DATA LOSS: " ("10 GiB",
// "managed save, NVRAM, 3 snapshots"); nullopt when nothing.
std::optional<std::string> data_loss(const providers::ResourceKind& kind, const providers::Spec& observed);

}  // namespace virtplan::planner
