#pragma once

// Ipv4Address is one IPv4 address as a 32-bit number, parsed from and printed
// as dotted quads ("10.77.0.1").

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::net {

class Ipv4Address {
public:
  explicit Ipv4Address(std::uint32_t value = 0) : m_value(value) {}

  // Four decimal octets 0-255, no leading zeros beyond "0" itself (so that
  // "010" is not read as octal by one tool and decimal by another).
  static std::optional<Ipv4Address> parse(std::string_view text);

  std::uint32_t value() const { return m_value; }
  std::string str() const;

  auto operator<=>(const Ipv4Address&) const = default;

private:
  std::uint32_t m_value;
};

}  // namespace virtplan::net
