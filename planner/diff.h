#pragma once

// diff() is the heart of plan: a pure function from what the stack declares
// and what the hosts hold to a Plan. No I/O; the same inputs give the same plan.

#include "planner/observed_state.h"
#include "planner/plan.h"
#include "planner/rolling.h"
#include "providers/kind/resource_kind.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// Finds a kind by name ("domain"); nullptr when unknown.
using KindLookup = std::function<const providers::ResourceKind*(std::string_view kind)>;

// DiffResult is the plan plus what keeps parts of it from being made: objects
// of another owner in the way, hosts that could not be read.
struct DiffResult {
  Plan plan;
  std::vector<std::string> errors;  // "domain.web@lab1: ..." sorted
  // What the hosts hold that no kind can represent, left alone and unmanaged
  // ("network.sriov@lab1: unmanaged, left alone: forward mode 'hostdev'
  // ..."), sorted: the plan says it skipped them, and why.
  std::vector<std::string> warnings = {};
};

// `members`: the stack's replica group members (Stack::group_members), whose
// disruptive changes the plan rolls; none by default.
DiffResult diff(const std::string& stack, const std::vector<providers::StackObject>& desired,
                const ObservedState& observed, const KindLookup& kinds, const GroupMembers& members = {});

// The action for a declared object that exists and is ours, from its changed
// fields: no-op without changes, replace when any field needs it, else update.
Action choose_action(const std::vector<FieldChange>& fields);

}  // namespace virtplan::planner
