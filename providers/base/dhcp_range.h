#pragma once

// DhcpRange is the block of addresses a network's DHCP server hands out,
// written "10.77.0.100-10.77.0.199" in stacks and canonical specs.

#include "providers/base/ipv4_address.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

struct DhcpRange {
  Ipv4Address start;
  Ipv4Address end;

  // "A-B" with A <= B; nullopt otherwise.
  static std::optional<DhcpRange> parse(std::string_view text);
  std::string str() const { return start.str() + "-" + end.str(); }
};

inline std::optional<DhcpRange> DhcpRange::parse(std::string_view text) {
  std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  auto start = Ipv4Address::parse(text.substr(0, dash));
  auto end = Ipv4Address::parse(text.substr(dash + 1));
  if (!start || !end || *end < *start) {
    return std::nullopt;
  }
  return DhcpRange{*start, *end};
}

}  // namespace virtplan::providers
