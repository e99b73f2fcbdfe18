#include "cli/commands.h"

#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "cli/plan_file.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "cli/stack_placement.h"
#include "cli/targets.h"
#include "planner/diff.h"
#include "planner/placement_stage.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "planner/unread_host.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

struct PlanOptions {
  std::string path;
  std::vector<std::string> targets;
  std::string out;
  bool json = false;
  bool detailed_exitcode = false;
  bool rebalance = false;
};

int plan(const PlanOptions& options) {
  // load + validate
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // observe every host; one hypervisor under two names is refused: each
  // would plan the other's objects as destroys
  auto observing = observe_stack(*stack, placement_readers(*stack));
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  const planner::ObservedState& observed = observing->state;
  // place the `host: auto` domains (sticky: one that exists stays unless
  // it breaks a rule, or --rebalance)
  std::vector<planner::Placement> chosen;
  const auto nodes = node_sizes(observing->facts[std::string(NodeSizeReader::k_kind)]);
  if (!place_stack_domains(*stack, observed, nodes, chosen, stderr, placement_mode(options.rebalance)))
    return 1;
  // diff
  planner::DiffResult result =
      planner::diff(stack->name, stack->objects, observed, kind_lookup(), stack->group_members);
  result.plan = planner::with_placement_reasons(result.plan, chosen);
  auto narrowed = narrow_to_targets(result.plan, options.targets);
  if (!narrowed) {
    fmt::print(stderr, "error: {}\n", narrowed.error().message());
    return 1;
  }
  const planner::Plan& plan = *narrowed;
  // render
  if (options.json) {
    fmt::print("{}\n", planner::plan_to_json(plan, planner::Secrets::masked).dump(2));
  } else if (!planner::no_host_read(stack->hosts.size(), observed.unread)) {
    // Not even "No changes" when no host was read: nothing was compared.
    fmt::print("{}", planner::render_plan_text(plan, kind_lookup()));
  }
  for (const std::string& warning : result.warnings) fmt::print(stderr, "warning: {}\n", warning);
  for (const std::string& error : result.errors) fmt::print(stderr, "error: {}\n", error);
  if (!options.out.empty()) {
    if (auto saved = save_plan(plan, options.out); !saved) {
      fmt::print(stderr, "{}\n", saved.error().message());
      return 1;
    }
  }
  if (!result.errors.empty()) return 1;
  return options.detailed_exitcode && plan.summary().has_changes() ? 2 : 0;
}

}  // namespace

SubcommandRunner setup_plan(CLI::App& command) {
  auto options = std::make_shared<PlanOptions>();
  add_stack_file_option(command, options->path);
  command.add_option("--target", options->targets, "plan only this object (KIND.NAME@HOST); repeatable");
  command.add_option("--out", options->out, "save the plan to FILE for a later apply");
  command.add_flag("--json", options->json, "print the plan as JSON");
  command.add_flag("--detailed-exitcode", options->detailed_exitcode, "exit 2 when the plan has changes");
  add_rebalance_flag(command, options->rebalance);
  return [options] { return plan(*options); };
}

}  // namespace virtplan::cli
