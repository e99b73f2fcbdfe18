#pragma once

// Action is what a plan does to one object, chosen by choose_action() from
// what exists, who owns it and how disruptive its changes are.

#include <optional>
#include <string_view>

namespace virtplan::planner {

enum class Action {
  no_op,    // exists, owned, nothing to change
  create,   // declared, not on the host
  update,   // declared, owned, some fields differ (impact live or restart)
  replace,  // declared, owned, a field can only change by destroy + create
  destroy,  // owned by the stack, no longer declared
};

std::string_view to_string(Action action);
std::optional<Action> action_from_string(std::string_view text);

}  // namespace virtplan::planner
