#include "kvm/spec_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace virtplan::kvm {

std::optional<std::string> unknown_key(const nlohmann::json& value, const std::set<std::string>& known,
                                       std::string_view what) {
  for (const auto& item : value.items()) {
    if (!known.contains(item.key()))
      return fmt::format("{}: unknown key '{}' (expected {})", what, item.key(), fmt::join(known, ", "));
  }
  return std::nullopt;
}

}  // namespace virtplan::kvm
