#pragma once

// NodeSizeReader reads, alongside the kinds' own readers (same batch rounds:
// no extra round trip), each host's size for placement: `virsh nodeinfo`'s
// "CPU(s):" and "Memory size:" lines, and its running pools' space
// (`pool-list --name`, then `pool-info --bytes` of each). It reports one
// object, "node", {"cpus": N, "memory": BYTES, "pools": {NAME: {"capacity",
// "available"}}}; none when nodeinfo failed or said neither, and the host
// then takes no `host: auto` domain (planner/placement_stage.h).
// Read only when the stack has a `host: auto` domain.

#include "planner/observed_state.h"
#include "planner/placement_stage.h"
#include "providers/kind/reader.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::cli {

class NodeSizeReader : public providers::KindReader {
public:
  static constexpr std::string_view k_kind = "node";
  std::string_view kind() const override { return k_kind; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
};

// The size `virsh nodeinfo` prints; nullopt when it says no CPUs or memory.
std::optional<planner::NodeSize> parse_nodeinfo(std::string_view nodeinfo);

// A pool's space as `virsh pool-info --bytes` prints it ("Capacity:" and
// "Available:" lines); nullopt when it says neither.
std::optional<planner::NodeSize::PoolSpace> parse_pool_info(std::string_view info);

// The hosts' sizes NodeSizeReader read, taken out of `observed` (they are
// facts, not objects the diff may see).
std::map<std::string, planner::NodeSize> take_node_sizes(planner::ObservedState& observed);

// The hosts' sizes from NodeSizeReader's objects (host -> its "node" spec),
// as observe_stack sets facts apart.
std::map<std::string, planner::NodeSize> node_sizes(
    const std::map<std::pair<std::string, std::string>, providers::Spec>& facts);

}  // namespace virtplan::cli
