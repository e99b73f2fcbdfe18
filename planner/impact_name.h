#pragma once

// The words for providers::Impact in plans: "live", "restart", "replace".

#include "providers/kind/resource_kind.h"

#include <optional>
#include <string_view>

namespace virtplan::planner {

std::string_view to_string(providers::Impact impact);
std::optional<providers::Impact> impact_from_string(std::string_view text);

}  // namespace virtplan::planner
