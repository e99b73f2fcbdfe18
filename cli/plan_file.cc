#include "cli/plan_file.h"

#include "planner/plan_json.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace virtplan::cli {

providers::Result<void> save_plan(const planner::Plan& plan, const std::string& file) {
  const mode_t old_mask = umask(077);
  std::ofstream out(file, std::ios::trunc);
  umask(old_mask);
  out << planner::plan_to_json(plan, planner::Secrets::kept).dump(2) << "\n";
  out.close();
  if (!out) return providers::fail(providers::ErrorCode::other, fmt::format("{}: cannot write the plan", file));
  return {};
}

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

}  // namespace virtplan::cli
