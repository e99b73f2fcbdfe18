#include "cli/commands.h"

#include "cli/apply_run.h"
#include "cli/kinds.h"
#include "cli/lock_wait_option.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "cli/stack_plans.h"
#include "cli/targets.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

struct DestroyOptions : RunOptions {
  bool force = false;
};

int destroy(const DestroyOptions& options) {
  // load + validate
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  auto targets = parse_targets(options.targets);
  if (!targets) {
    fmt::print(stderr, "error: {}\n", targets.error().message());
    return 1;
  }
  // lock + observe
  ApplyRun run(*stack, std::chrono::seconds(options.lock_wait), "virtplan destroy");
  const auto observing = run.lock_and_observe();
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  const planner::ObservedState& observed = *observing;
  // plan the destruction, guarded: protected and held objects stop it
  const planner::DiffResult plan = guarded_destroy_plan(
      *stack, observed, *targets, options.force ? planner::Force::yes : planner::Force::no);
  if (!plan.errors.empty()) {
    for (const std::string& error : plan.errors) fmt::print(stderr, "error: {}\n", error);
    fmt::print(stderr, "nothing was changed\n");
    return 1;
  }
  // confirm, destroy, report
  ExecuteOptions execute = options.execute_options("Destroy these objects");
  execute.stop = options.force ? providers::StopMode::immediate : providers::StopMode::graceful;
  return run.execute(plan.plan, observed, execute);
}

}  // namespace

SubcommandRunner setup_destroy(CLI::App& command) {
  auto options = std::make_shared<DestroyOptions>();
  add_run_options(command, *options,
                  {.verb = "destroy", .done = "destroyed", .needing = "what the stack owns that needs it"});
  command.add_flag("--force", options->force,
                   "pull the plug: force running domains off without asking them to shut down, and destroy "
                   "networks that domains outside the stack still use (cutting them off)");
  return [options] { return destroy(*options); };
}

}  // namespace virtplan::cli
