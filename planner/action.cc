#include "planner/action.h"

#include <array>
#include <utility>

namespace virtplan::planner {

namespace {
// The JSON plan's spelling (stack-format.md), shared by text and JSON output.
constexpr std::array<std::pair<Action, std::string_view>, 5> k_names{{
    {Action::no_op, "no-op"},
    {Action::create, "create"},
    {Action::update, "update"},
    {Action::replace, "replace"},
    {Action::destroy, "destroy"},
}};
}  // namespace

std::string_view to_string(Action action) {
  for (const auto& [a, name] : k_names) {
    if (a == action) return name;
  }
  return "no-op";
}

std::optional<Action> action_from_string(std::string_view text) {
  for (const auto& [a, name] : k_names) {
    if (name == text) return a;
  }
  return std::nullopt;
}

}  // namespace virtplan::planner
