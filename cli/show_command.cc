#include "cli/show_command.h"

#include "cli/kinds.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace virtplan::cli {
namespace {

struct ShowOptions {
  std::string planfile;
  bool json = false;
};

providers::Result<planner::Plan> read_plan(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    return providers::fail(providers::ErrorCode::not_found,
                           fmt::format("{}: cannot read: {}", file, std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto document = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return providers::fail(providers::ErrorCode::invalid, fmt::format("{}: not a virtplan plan: not JSON", file));
  }
  auto plan = planner::plan_from_json(document);
  if (!plan) return providers::fail(plan.error().with_context(file));
  return plan;
}

int show(const ShowOptions& options) {
  auto plan = read_plan(options.planfile);
  if (!plan) {
    fmt::print(stderr, "{}\n", plan.error().message());
    return 1;
  }
  if (options.json) {
    fmt::print("{}\n", planner::plan_to_json(*plan, planner::Secrets::masked).dump(2));
  } else {
    fmt::print("{}", planner::render_plan_text(
                         *plan, [](std::string_view kind) { return kinds().by_kind(kind); }));
  }
  return 0;
}

}  // namespace

SubcommandRunner setup_show(CLI::App& command) {
  auto options = std::make_shared<ShowOptions>();
  command.add_option("planfile", options->planfile, "a plan saved by `virtplan plan --out`")->required();
  command.add_flag("--json", options->json, "print the plan as JSON");
  return [options] { return show(*options); };
}

}  // namespace virtplan::cli
