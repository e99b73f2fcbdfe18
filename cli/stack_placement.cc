#include "cli/stack_placement.h"

#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "cli/stack_options.h"
#include "planner/placement_stage.h"

#include <fmt/format.h>

namespace virtplan::cli {

std::vector<const providers::KindReader*> placement_readers(const planner::Stack& stack) {
  static const NodeSizeReader k_node_sizes;
  if (stack.auto_placed.empty()) return {};
  return {&k_node_sizes};
}

bool place_stack_domains(planner::Stack& stack, const std::string& path,
                         const planner::ObservedState& observed,
                         const std::map<std::string, planner::NodeSize>& nodes,
                         std::vector<planner::Placement>& chosen, std::FILE* errors) {
  if (stack.auto_placed.empty()) return true;
  planner::StackPlacement placement = planner::place_stack(stack, observed, nodes, kind_lookup());
  if (!placement.errors.empty()) {
    for (const auto& error : placement.errors) fmt::print(errors, "error: {}\n", error);
    return false;
  }
  // Loaded once already: only a file changed meanwhile fails here.
  auto placed = load_stack(path, errors, placement.hosts);
  if (!placed) return false;
  // The objects only: the hosts are the same, and a run holds references
  // into them (ApplyRun's connections).
  stack.objects = std::move(placed->objects);
  stack.auto_placed = std::move(placed->auto_placed);
  chosen = std::move(placement.chosen);
  return true;
}

}  // namespace virtplan::cli
