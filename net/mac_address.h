#pragma once

// MacAddress is a 48-bit Ethernet address, read with ':' or '-' separators in
// either case and always printed as libvirt prints it: lowercase with colons.

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::net {

class MacAddress {
public:
  static std::optional<MacAddress> parse(std::string_view text);

  const std::string& str() const { return m_text; }
  // The low bit of the first octet: a multicast address cannot be a NIC's.
  bool is_multicast() const;

  auto operator<=>(const MacAddress&) const = default;

private:
  explicit MacAddress(std::string text) : m_text(std::move(text)) {}
  std::string m_text;  // "52:54:00:00:00:10"
};

}  // namespace virtplan::net
