#include "planner/impact_name.h"

#include <array>
#include <utility>

namespace virtplan::planner {

using providers::Impact;

namespace {
constexpr std::array<std::pair<Impact, std::string_view>, 4> k_impact_names{{
    {Impact::none, "none"},
    {Impact::live, "live"},
    {Impact::restart, "restart"},
    {Impact::replace, "replace"},
}};
}  // namespace

std::string_view to_string(Impact impact) {
  for (const auto& [i, name] : k_impact_names) {
    if (i == impact) return name;
  }
  return "none";
}

std::optional<Impact> impact_from_string(std::string_view text) {
  for (const auto& [i, name] : k_impact_names) {
    if (name == text) return i;
  }
  return std::nullopt;
}

}  // namespace virtplan::planner
