#pragma once

// HostAllocation is one host's capacity and what is allocated on it, as
// `virtplan hosts` shows it: its CPUs and memory (nodeinfo), the vCPUs and
// memory of the domains defined on it, this stack's apart from the others
// (another stack's, or no stack's), and its running pools' capacity and
// free space. Built from one observation (observe_stack with
// NodeSizeReader); pure.

#include "planner/diff.h"
#include "planner/observed_state.h"
#include "planner/placement_stage.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace virtplan::cli {

struct HostAllocation {
  struct Use {
    int domains = 0;
    int vcpus = 0;
    std::uint64_t memory = 0;  // bytes
  };
  planner::NodeSize size;  // CPUs, memory, pools
  Use owned;               // this stack's domains
  Use foreign;             // every other domain defined on the host
};

// By host: every host `nodes` has a size for (a host not read has none).
std::map<std::string, HostAllocation> host_allocations(const planner::ObservedState& observed,
                                                       const std::map<std::string, planner::NodeSize>& nodes,
                                                       const planner::KindLookup& kinds);

// "2 CPUs, 23.4 GiB; owned: 1 domain, 1 vCPU, 64 MiB; foreign: 0 domains,
// 0 vCPUs, 0 B", then one "pool NAME: 9.8 GiB of 19.6 GiB free" line a pool.
std::vector<std::string> allocation_lines(const HostAllocation& host);

// {"cpus", "memory", "owned": {"domains", "vcpus", "memory"}, "foreign":
// {...}, "pools": {NAME: {"capacity", "available"}}}, sizes in bytes.
nlohmann::json allocation_json(const HostAllocation& host);

}  // namespace virtplan::cli
