#include "cli/stack_placement.h"

#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "planner/placement_stage.h"
#include "planner/stack_loader.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace virtplan::cli {

void add_rebalance_flag(CLI::App& command, bool& rebalance) {
  command.add_flag("--rebalance", rebalance,
                   "place every `host: auto` domain again as if new and move those whose host differs "
                   "(without it a placed domain moves only when it breaks a placement rule)");
}

planner::PlacementMode placement_mode(bool rebalance) {
  return rebalance ? planner::PlacementMode::rebalance : planner::PlacementMode::sticky;
}

std::vector<const providers::KindReader*> placement_readers(const planner::Stack& stack) {
  static const NodeSizeReader k_node_sizes;
  if (stack.auto_placed.empty()) return {};
  return {&k_node_sizes};
}

bool place_stack_domains(planner::Stack& stack, const planner::ObservedState& observed,
                         const std::map<std::string, planner::NodeSize>& nodes,
                         std::vector<planner::Placement>& chosen, std::FILE* errors,
                         planner::PlacementMode mode) {
  const std::vector<std::string> pinned = planner::maintenance_refusals(stack);
  for (const auto& error : pinned) fmt::print(errors, "error: {}\n", error);
  if (stack.auto_placed.empty()) return pinned.empty();
  planner::StackPlacement placement = planner::place_stack(stack, observed, nodes, kind_lookup(), mode);
  if (!placement.errors.empty() || !pinned.empty()) {
    for (const auto& error : placement.errors) fmt::print(errors, "error: {}\n", error);
    return false;
  }
  // The text loaded once already, with hosts instead of provisional ones:
  // only a loader bug fails here.
  providers::Diagnostics diags;
  planner::Stack placed = planner::StackLoader(kinds()).load(stack.sources, diags, placement.hosts);
  if (!diags.empty()) {
    for (const auto& diagnostic : diags.sorted()) fmt::print(errors, "{}\n", diagnostic.str());
    return false;
  }
  // The objects and what is keyed by their hosts only: the hosts are the
  // same, and a run holds references into them (ApplyRun's connections).
  stack.objects = std::move(placed.objects);
  stack.group_members = std::move(placed.group_members);
  stack.auto_placed = std::move(placed.auto_placed);
  stack.following_volumes = std::move(placed.following_volumes);
  chosen = std::move(placement.chosen);
  return true;
}

}  // namespace virtplan::cli
