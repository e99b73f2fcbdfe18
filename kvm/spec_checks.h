#pragma once

// Checks shared by the readers of the spec's optional maps (DomainDevices,
// NicOptions): the message names the map (`what`).

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace virtplan::kvm {

// The first key of `value` that is not one of `known`, as a message.
std::optional<std::string> unknown_key(const nlohmann::json& value, const std::set<std::string>& known,
                                       std::string_view what);

}  // namespace virtplan::kvm
