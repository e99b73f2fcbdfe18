#include "providers/virsh/nodeinfo.h"

#include <algorithm>
#include <charconv>

namespace virtplan::providers {

std::optional<std::uint64_t> nodeinfo_number(std::string_view nodeinfo, std::string_view label) {
  for (std::size_t at = 0; at < nodeinfo.size();) {
    const std::size_t end = std::min(nodeinfo.find('\n', at), nodeinfo.size());
    std::string_view line = nodeinfo.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(label)) continue;
    line.remove_prefix(label.size());
    line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
    std::uint64_t value = 0;
    auto [next, error] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (error != std::errc()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace virtplan::providers
