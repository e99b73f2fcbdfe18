#include "providers/base/stack_size.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace virtplan::providers {

std::string stack_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<std::uint64_t, const char*>, 4> k_units{{
      {1ULL << 40, "TiB"},
      {1ULL << 30, "GiB"},
      {1ULL << 20, "MiB"},
      {1ULL << 10, "KiB"},
  }};
  if (bytes == 0) return "0";
  for (const auto& [unit, name] : k_units) {
    if (bytes % unit == 0) return fmt::format("{}{}", bytes / unit, name);
  }
  return std::to_string(bytes);
}

}  // namespace virtplan::providers
