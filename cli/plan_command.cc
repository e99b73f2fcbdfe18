#include "cli/plan_command.h"

#include "cli/kind_readers.h"
#include "cli/kinds.h"
#include "cli/stack_options.h"
#include "planner/diff.h"
#include "planner/observer.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "providers/transport_factory.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace virtplan::cli {
namespace {

struct PlanOptions {
  std::string path;
  std::vector<std::string> targets;
  std::string out;
  bool json = false;
  bool detailed_exitcode = false;
};

planner::KindLookup lookup() {
  return [](std::string_view kind) { return kinds().by_kind(kind); };
}

// Only the objects --target names (all when none is given).
planner::Plan only_targets(const planner::Plan& plan, const std::vector<std::string>& targets) {
  if (targets.empty()) return plan;
  const std::set<std::string> wanted(targets.begin(), targets.end());
  std::vector<planner::Change> kept;
  std::copy_if(plan.changes().begin(), plan.changes().end(), std::back_inserter(kept),
               [&](const planner::Change& c) { return wanted.contains(c.id.address()); });
  return planner::Plan(plan.stack(), std::move(kept));
}

// The saved plan holds real values (it is applied later), so only its owner reads it.
bool save_plan(const planner::Plan& plan, const std::string& file) {
  const mode_t old_mask = umask(077);
  std::ofstream out(file, std::ios::trunc);
  umask(old_mask);
  out << planner::plan_to_json(plan, planner::Secrets::kept).dump(2) << "\n";
  if (!out) {
    fmt::print(stderr, "{}: cannot write the plan\n", file);
    return false;
  }
  return true;
}

int plan(const PlanOptions& options) {
  // load + validate
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // observe
  const planner::ObservedState observed =
      planner::observe(stack->name, stack->hosts, kind_readers(), providers::make_transport);
  // diff
  planner::DiffResult result = planner::diff(stack->name, stack->objects, observed, lookup());
  const planner::Plan plan = only_targets(result.plan, options.targets);
  // render
  if (options.json) {
    fmt::print("{}\n", planner::plan_to_json(plan, planner::Secrets::masked).dump(2));
  } else {
    fmt::print("{}", planner::render_plan_text(plan, lookup()));
  }
  for (const std::string& error : result.errors) fmt::print(stderr, "error: {}\n", error);
  if (!options.out.empty() && !save_plan(plan, options.out)) return 1;
  if (!result.errors.empty()) return 1;
  return options.detailed_exitcode && plan.summary().has_changes() ? 2 : 0;
}

}  // namespace

SubcommandRunner setup_plan(CLI::App& command) {
  auto options = std::make_shared<PlanOptions>();
  command.add_option("-f,--file", options->path,
                     "stack file or directory (default: ./stack.yaml, else ./*.yaml)");
  command.add_option("--target", options->targets, "plan only this object (KIND.NAME@HOST); repeatable");
  command.add_option("--out", options->out, "save the plan to FILE for a later apply");
  command.add_flag("--json", options->json, "print the plan as JSON");
  command.add_flag("--detailed-exitcode", options->detailed_exitcode,
                   "exit 2 when the plan has changes");
  return [options] { return plan(*options); };
}

}  // namespace virtplan::cli
