#pragma once

// place_stack() is plan's placement stage, between observe and diff: it
// turns a stack loaded with provisional hosts for its `host: auto` domains
// (Stack::auto_placed) and what the hosts hold into the host of each, for
// StackLoader::load to load the stack again with. Pure: no I/O.
//
// Placement is sticky: a `host: auto` domain this stack owns on a host (its
// ledger there, or its <metadata> marker, says so: the observer's
// Ownership::ours; the host a half-done migration sends it to, when its
// ledger says so) stays there, whatever the hosts have free now; only the
// others are placed (planner/placement.h), each host's use counted from
// every domain it holds, this stack's or not, and each weighed with the
// capacities of the `host: auto` volumes its disks name against the pools'
// free space. Hosts that could not be read, or whose size is unknown, take
// nothing new; and while a host a domain could go to is unread, a domain
// not found on the others is not placed at all (an error): it may be on the
// unread one, whose ledger is the only record of it.
//
// An owned domain leaves its host, placed again as if new, when it breaks a
// rule; the first it breaks is the reason the plan gives (Placement::moved):
//
//   | rule broken                                     | reason                                   |
//   | ------------------------------------------------| -----------------------------------------|
//   | its host is in maintenance                      | maintenance on h2                        |
//   | `placement.hosts` no longer lists its host      | h2 is no longer in placement.hosts       |
//   | a member of its anti-affinity group, earlier by | anti-affinity group web: web-1 is on h2  |
//   |   name, stays on its host                       |   too                                    |
//   | the first member by name of its affinity group  | affinity group db is on h1 (db-1)        |
//   |   that stays is on another host                 |                                          |
//   | none, and the run rebalances                    | rebalance                                |
//
// Group rules count only the members that stay (after the rules above them).
// A domain that breaks a rule and fits nowhere fails ("domain web must leave
// h2 (maintenance on h2), but no host fits (...)"); one that only
// rebalances and fits nowhere, or lands on its own host, stays. What a
// leaving domain takes is not counted on the host it leaves.
//
// A host that left the stack is not read, so what it holds is unknown: a
// `host: auto` domain there is placed as if new (and the old one stays
// where it was, no longer the stack's concern).

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
  std::uint64_t memory = 0;                     // bytes
  std::map<std::string, PoolSpace> pools = {};  // by pool name
};

// Whether plan keeps every owned domain where it is unless a rule moves it
// (sticky), or places every one again as if new (`--rebalance`).
enum class PlacementMode { sticky, rebalance };

struct StackPlacement {
  std::map<std::string, std::string> hosts;  // every `host: auto` domain -> its host
  std::vector<Placement> chosen;             // the domains placed by this run, and why
  std::vector<std::string> errors;           // the domains that fit nowhere, and why
};

StackPlacement place_stack(const Stack& stack, const ObservedState& observed,
                           const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds,
                           PlacementMode mode = PlacementMode::sticky);

// One error a host in maintenance that domains are pinned to (`host: h2`,
// `hosts: [...]`, not `host: auto`), naming each: "host h2 is in maintenance
// but domain.db@h2, domain.mail@h2 are pinned to it: give them another host
// or `host: auto`, or end the maintenance". Sorted by host.
std::vector<std::string> maintenance_refusals(const Stack& stack);

// `plan` with each chosen domain's create saying where and why:
// "→ h2: 6.0 of 16 GiB free, spread"; a domain that leaves its host, its
// migrate saying why first: "maintenance on h1; → h2: ...".
Plan with_placement_reasons(const Plan& plan, const std::vector<Placement>& chosen);

}  // namespace virtplan::planner
