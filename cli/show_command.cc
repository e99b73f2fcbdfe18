#include "cli/commands.h"

#include "cli/kinds.h"
#include "cli/live_state_view.h"
#include "cli/plan_file.h"
#include "cli/stack_options.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace virtplan::cli {
namespace {

struct ShowOptions {
  std::string planfile;  // empty: the live state
  std::string path;
  bool json = false;
};

int show(const ShowOptions& options) {
  if (options.planfile.empty()) return show_live_state(options.path, options.json);
  auto plan = read_plan(options.planfile);
  if (!plan) {
    fmt::print(stderr, "{}\n", plan.error().message());
    return 1;
  }
  if (options.json) {
    fmt::print("{}\n", planner::plan_to_json(*plan, planner::Secrets::masked).dump(2));
  } else {
    fmt::print("{}", planner::render_plan_text(*plan, kind_lookup()));
  }
  return 0;
}

}  // namespace

SubcommandRunner setup_show(CLI::App& command) {
  auto options = std::make_shared<ShowOptions>();
  command.add_option("planfile", options->planfile,
                     "a plan saved by `virtplan plan --out`; without it, the stack's live state");
  add_stack_file_option(command, options->path, ", for the live state");
  command.add_flag("--json", options->json, "print the plan (or the live state) as JSON");
  return [options] { return show(*options); };
}

}  // namespace virtplan::cli
