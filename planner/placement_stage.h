#pragma once

// place_stack() is plan's placement stage, between observe and diff: it
// turns a stack loaded with provisional hosts for its `host: auto` domains
// (Stack::auto_placed) and what the hosts hold into the host of each, for
// StackLoader::load to load the stack again with. Pure: no I/O.
//
// Placement is sticky: a `host: auto` domain this stack owns on a host (its
// ledger there, or its <metadata> marker, says so: the observer's
// Ownership::ours) stays there, whatever the hosts have free now; only the
// others are placed (planner/placement.h), each host's use counted from
// every domain it holds, this stack's or not, and each weighed with the
// capacities of the `host: auto` volumes its disks name against the pools'
// free space. Hosts that could not be read,
// or whose size is unknown, take nothing new.

#include "planner/diff.h"
#include "planner/observed_state.h"
#include "planner/placement.h"
#include "planner/plan.h"
#include "planner/stack.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace virtplan::planner {

// NodeSize is a host's size as `virsh nodeinfo` says it, and its running
// pools' space as `virsh pool-info --bytes` says it.
struct NodeSize {
  struct PoolSpace {
    std::uint64_t capacity = 0;   // bytes
    std::uint64_t available = 0;  // bytes
  };
  int cpus = 0;
  std::uint64_t memory = 0;                // bytes
  std::map<std::string, PoolSpace> pools = {};  // by pool name
};

struct StackPlacement {
  std::map<std::string, std::string> hosts;  // every `host: auto` domain -> its host
  std::vector<Placement> chosen;             // the domains placed by this run, and why
  std::vector<std::string> errors;           // the domains that fit nowhere, and why
};

StackPlacement place_stack(const Stack& stack, const ObservedState& observed,
                           const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds);

// `plan` with each chosen domain's create saying where and why:
// "→ h2: 6.0 of 16 GiB free, spread".
Plan with_placement_reasons(const Plan& plan, const std::vector<Placement>& chosen);

}  // namespace virtplan::planner
