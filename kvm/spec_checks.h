#pragma once

// Checks shared by the readers of the spec's optional maps (DomainDevices,
// NicOptions, CpuTopology, DomainUefi): the message names the map (`what`).

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace virtplan::kvm {

// A check's failure, said for a person: `return wrong("uefi: expected a map")`.
inline std::unexpected<std::string> wrong(std::string message) { return std::unexpected(std::move(message)); }

// The first key of `value` that is not one of `known`, as a message.
std::optional<std::string> unknown_key(const nlohmann::json& value, const std::set<std::string>& known,
                                       std::string_view what);

}  // namespace virtplan::kvm
