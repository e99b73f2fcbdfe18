#include "cli/ansible_module.h"

#include "cli/ansible_args.h"
#include "cli/ansible_result.h"
#include "cli/apply_run.h"
#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "cli/stack_options.h"
#include "cli/stack_placement.h"
#include "cli/stack_plans.h"
#include "cli/targets.h"
#include "planner/apply_observer.h"
#include "planner/destroy_plan.h"
#include "planner/stack_loader.h"
#include "planner/unread_host.h"
#include "providers/base/stack_yaml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

namespace virtplan::cli {
namespace {

using nlohmann::json;

json failure(const std::string& message) { return {{"failed", true}, {"changed", false}, {"msg", message}}; }

providers::Result<nlohmann::ordered_json> read_args(const std::string& path) {
  std::ifstream in(path);
  if (!in) return providers::fail(providers::ErrorCode::not_found, fmt::format("{}: cannot be read", path));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(text.str());
  } catch (const json::parse_error& e) {
    return providers::fail(providers::ErrorCode::invalid, fmt::format("{}: not JSON: {}", path, e.what()));
  }
}

// What `call` printed to the stream it is given (the module prints nothing:
// its one output is the result JSON).
std::string captured(const std::function<bool(std::FILE*)>& call) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* stream = open_memstream(&buffer, &size);
  if (stream == nullptr) return "open_memstream failed\n";
  call(stream);
  std::fclose(stream);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

// The stack from `stack` (loaded as `virtplan -f` loads it, its problems
// captured rather than printed) or from `stack_content`, written as stack
// YAML and given to the same loader under the name "stack_content", so its
// messages point at stack_content's keys. It is never written to disk: it may
// hold secrets. Relative paths in it resolve against the module's working
// directory, as for a stack file there.
providers::Result<planner::Stack> load(const AnsibleArgs& args) {
  std::vector<std::string> problems;
  if (args.stack) {
    std::optional<planner::Stack> stack;
    std::string text = captured([&](std::FILE* errors) {
      stack = load_stack(*args.stack, errors);
      return stack.has_value();
    });
    if (stack) return *stack;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos;) text.replace(at, 1, "; ");
    return providers::fail(providers::ErrorCode::invalid, text);
  }
  const planner::SourceFile file{"stack_content", providers::stack_yaml(*args.stack_content)};
  providers::Diagnostics diags;
  planner::Stack stack = planner::StackLoader(kinds()).load({file}, diags);
  if (diags.empty()) return stack;
  for (const auto& diagnostic : diags.sorted()) problems.push_back(diagnostic.str());
  return providers::fail(providers::ErrorCode::invalid, fmt::format("{}", fmt::join(problems, "; ")));
}

providers::Result<planner::Plan> plan_for(const AnsibleArgs& args, const planner::Stack& stack,
                                          const planner::ObservedState& observed) {
  if (args.state == StackState::absent) {
    auto targets = parse_targets(args.targets);
    if (!targets) return providers::fail(targets.error().with_context("targets"));
    planner::DiffResult destroy = guarded_destroy_plan(stack, observed, *targets);
    if (!destroy.errors.empty()) {
      return providers::fail(providers::ErrorCode::invalid,
                             fmt::format("{}; nothing was changed", fmt::join(destroy.errors, "; ")));
    }
    return destroy.plan;
  }
  planner::DiffResult result = diff_reached(stack, observed);
  if (!result.errors.empty()) {
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}; nothing was changed", fmt::join(result.errors, "; ")));
  }
  auto narrowed = narrow_to_targets(result.plan, args.targets);
  if (!narrowed) return providers::fail(narrowed.error().with_context("targets"));
  return narrowed;
}

// The stack's `host: auto` domains placed (cli/stack_placement.h); fails
// with every domain that fits nowhere, and "nothing was changed".
providers::Result<void> place_for_module(planner::Stack& stack, planner::ObservedState& observed,
                                         bool rebalance) {
  bool placed = false;
  std::string text = captured([&](std::FILE* errors) {
    std::vector<planner::Placement> chosen;
    placed = place_stack_domains(stack, observed, take_node_sizes(observed), chosen, errors,
                                 placement_mode(rebalance));
    return placed;
  });
  if (placed) return {};
  return providers::fail(providers::ErrorCode::invalid, text + "nothing was changed");
}

json run(const std::string& args_path) {
  auto document = read_args(args_path);
  if (!document) return failure(document.error().message());
  auto args = parse_ansible_args(*document);
  if (!args) return failure(args.error().message());
  auto stack = load(*args);
  if (!stack) return failure(stack.error().message());
  // Checked before any host is contacted: a typo fails fast.
  if (auto targets = parse_targets(args->targets); !targets) {
    return failure(targets.error().with_context("targets").message());
  }

  ApplyRun apply_run(*stack, std::chrono::seconds(args->lock_wait), "virtplan-ansible");
  auto observing = apply_run.lock_and_observe(placement_readers(*stack));
  if (!observing) return failure(observing.error().message() + "\nnothing was planned or changed");
  planner::ObservedState& observed = *observing;
  // `host: auto` domains placed as `virtplan apply` places them; state
  // absent destroys what the stack owns wherever it is, as `virtplan
  // destroy` does, so a host in maintenance does not refuse it.
  if (args->state == StackState::present) {
    if (auto placed = place_for_module(*stack, observed, args->rebalance); !placed) {
      return failure(placed.error().message());
    }
  }
  AnsibleOutcome outcome;
  outcome.check_mode = args->check_mode;
  outcome.diff = args->diff;
  outcome.unread = observed.unread;
  outcome.not_reached = planner::unread_objects(stack->objects, observed.unread);
  auto plan = plan_for(*args, *stack, observed);
  if (!plan) {
    outcome.errors.push_back(plan.error().message());
    return ansible_result(outcome);
  }
  outcome.plan = &*plan;
  outcome.errors = guard_refusals(*plan, kind_lookup(), args->allow_restart, args->allow_data_loss);
  if (!outcome.errors.empty()) {
    outcome.errors.push_back("nothing was changed");
    return ansible_result(outcome);
  }
  if (args->check_mode) return ansible_result(outcome);
  // Applied even with nothing to change: that is where the run lets go of
  // ledger entries whose objects are gone (ApplyRun::apply).
  planner::NullApplyObserver quiet;
  const planner::ApplyReport report = apply_run.apply(*plan, quiet, args->parallelism);
  if (plan->summary().has_changes()) outcome.report = &report;
  return ansible_result(outcome);
}

}  // namespace

json run_ansible_module(const std::string& args_path) {
  try {
    return run(args_path);
  } catch (const std::exception& e) {
    return failure(fmt::format("virtplan: internal error: {}", e.what()));
  }
}

}  // namespace virtplan::cli
