#include "cli/commands.h"

#include "cli/apply_run.h"
#include "cli/kinds.h"
#include "cli/lock_wait_option.h"
#include "cli/node_size_reader.h"
#include "cli/plan_file.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "cli/stack_placement.h"
#include "cli/stack_plans.h"
#include "cli/targets.h"
#include "planner/diff.h"
#include "planner/placement_stage.h"
#include "planner/stale_plan.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

struct ApplyOptions : RunOptions {
  std::string planfile;
  bool rebalance = false;
};

// The plan to carry out: the saved one, refused when the hosts changed since
// it was made, or the fresh one; narrowed to --target either way.
providers::Result<planner::Plan> chosen_plan(const ApplyOptions& options, const planner::Plan& fresh) {
  if (options.planfile.empty()) return narrow_to_targets(fresh, options.targets);
  if (!options.targets.empty()) {
    return providers::fail(providers::ErrorCode::invalid,
                           "--target cannot narrow a saved plan; give it to `virtplan plan --out` instead");
  }
  auto saved = read_plan(options.planfile);
  if (!saved) return saved;
  if (auto fresh_enough = planner::check_not_stale(*saved, fresh); !fresh_enough) {
    return providers::fail(fresh_enough.error().with_context(options.planfile));
  }
  return saved;
}

int apply(const ApplyOptions& options) {
  // load + validate
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // lock + observe
  ApplyRun run(*stack, std::chrono::seconds(options.lock_wait), "virtplan apply");
  auto observing = run.lock_and_observe(placement_readers(*stack));
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  planner::ObservedState& observed = *observing;
  // place the `host: auto` domains (sticky: one that exists stays unless
  // it breaks a rule, or --rebalance); the run's reference to the stack sees
  // the placed one
  std::vector<planner::Placement> chosen;
  const auto nodes = take_node_sizes(observed);
  if (!place_stack_domains(*stack, observed, nodes, chosen, stderr, placement_mode(options.rebalance))) {
    fmt::print(stderr, "nothing was changed\n");
    return 1;
  }
  // diff
  planner::DiffResult result = diff_reached(*stack, observed);
  result.plan = planner::with_placement_reasons(result.plan, chosen);
  for (const std::string& warning : result.warnings) fmt::print(stderr, "warning: {}\n", warning);
  if (!result.errors.empty()) {
    for (const std::string& error : result.errors) fmt::print(stderr, "error: {}\n", error);
    fmt::print(stderr, "nothing was changed\n");
    return 1;
  }
  auto plan = chosen_plan(options, result.plan);
  if (!plan) {
    fmt::print(stderr, "error: {}\nnothing was changed\n", plan.error().message());
    return 1;
  }
  // confirm, apply, report
  return run.execute(*plan, observed, options.execute_options("Apply these changes"));
}

}  // namespace

SubcommandRunner setup_apply(CLI::App& command) {
  auto options = std::make_shared<ApplyOptions>();
  add_run_options(command, *options, {.verb = "apply", .done = "changed", .needing = "what it needs"});
  command.add_option("planfile", options->planfile,
                     "a plan saved by `virtplan plan --out` (refused when stale)");
  add_rebalance_flag(command, options->rebalance);
  return [options] { return apply(*options); };
}

}  // namespace virtplan::cli
