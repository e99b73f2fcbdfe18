#pragma once

// MacAddress is a 48-bit Ethernet address, read with ':' or '-' separators in
// either case and always printed as libvirt prints it: lowercase with colons.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

class MacAddress {
public:
  static std::optional<MacAddress> parse(std::string_view text);
  // A NIC's MAC as a stack gives it (a domain's interface, a network's DHCP
  // host): the address, or what a message says is wrong with it ("invalid MAC
  // address '01:00:5e:00:00:01': it is a multicast address").
  static std::expected<MacAddress, std::string> read_nic(std::string_view text);

  const std::string& str() const { return m_text; }
  // The low bit of the first octet: a multicast address cannot be a NIC's.
  bool is_multicast() const;

  auto operator<=>(const MacAddress&) const = default;

private:
  explicit MacAddress(std::string text) : m_text(std::move(text)) {}
  std::string m_text;  // "52:54:00:00:00:10"
};

}  // namespace virtplan::providers
