#pragma once

// Ipv4Address is one IPv4 address as a 32-bit number, parsed from and printed
// as dotted quads ("10.77.0.1").

#include <fmt/format.h>

#include <charconv>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

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

namespace ipv4_detail {

inline std::optional<std::uint32_t> parse_octet(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 255) {
    return std::nullopt;
  }
  return value;
}

}  // namespace ipv4_detail

inline std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) {
      return std::nullopt;
    }
    auto octet = ipv4_detail::parse_octet(text.substr(0, dot));
    if (!octet) {
      return std::nullopt;
    }
    value = (value << 8) | *octet;
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return Ipv4Address(value);
}

inline std::string Ipv4Address::str() const {
  return fmt::format("{}.{}.{}.{}", m_value >> 24, (m_value >> 16) & 0xff, (m_value >> 8) & 0xff,
                     m_value & 0xff);
}

}  // namespace virtplan::providers
