#pragma once

// place_stack_domains() is the placement stage of plan and apply, between
// observe and diff: when the stack has `host: auto` domains it places them
// (planner::place_stack, over the hosts' sizes NodeSizeReader read) and
// loads the stack's text again with each on its host, so the diff sees the
// stack as if it had named them. Nothing to do for a stack without any.

#include "planner/observed_state.h"
#include "planner/placement.h"
#include "planner/placement_stage.h"
#include "planner/stack.h"
#include "providers/kind/reader.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace virtplan::cli {

// --rebalance, for plan and apply: place every `host: auto` domain again as
// if new, and move those whose host differs.
void add_rebalance_flag(CLI::App& command, bool& rebalance);

// PlacementMode::rebalance when --rebalance was given, else sticky.
planner::PlacementMode placement_mode(bool rebalance);

// The readers observe needs for placement beside the kinds': the node sizes
// when `stack` has a `host: auto` domain, else none.
std::vector<const providers::KindReader*> placement_readers(const planner::Stack& stack);

// Places `stack`'s `host: auto` domains on hosts of the sizes `nodes` (by
// host: NodeSizeReader's, node_sizes()) and loads it again from the text it
// was loaded from (Stack::sources) with them placed. Prints every domain
// that fits nowhere (naming each host and what it lacks), and the domains
// pinned to a host in maintenance, to `errors` and returns false then.
// `chosen`: the domains placed or moved by this run.
bool place_stack_domains(planner::Stack& stack, const planner::ObservedState& observed,
                         const std::map<std::string, planner::NodeSize>& nodes,
                         std::vector<planner::Placement>& chosen, std::FILE* errors,
                         planner::PlacementMode mode = planner::PlacementMode::sticky);

}  // namespace virtplan::cli
