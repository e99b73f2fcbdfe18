#include "net/ipv4_cidr.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>

namespace virtplan::net {

using providers::Ipv4Address;

std::optional<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  auto address = Ipv4Address::parse(text.substr(0, slash));
  std::string_view digits = text.substr(slash + 1);
  int prefix = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (!address || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 1 ||
      prefix > 32) {
    return std::nullopt;
  }
  return Ipv4Cidr(*address, prefix);
}

std::optional<Ipv4Cidr> Ipv4Cidr::from_netmask(Ipv4Address address, Ipv4Address netmask) {
  std::uint32_t mask = netmask.value();
  int prefix = std::countl_one(mask);
  if (prefix == 0 || (prefix < 32 && (mask << prefix) != 0)) {
    return std::nullopt;
  }
  return Ipv4Cidr(address, prefix);
}

Ipv4Address Ipv4Cidr::netmask() const {
  return Ipv4Address(m_prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - m_prefix));
}

Ipv4Address Ipv4Cidr::network() const { return Ipv4Address(m_address.value() & netmask().value()); }

Ipv4Address Ipv4Cidr::broadcast() const { return Ipv4Address(network().value() | ~netmask().value()); }

bool Ipv4Cidr::contains(Ipv4Address address) const {
  return (address.value() & netmask().value()) == network().value();
}

bool Ipv4Cidr::overlaps(const Ipv4Cidr& other) const {
  return network() <= other.broadcast() && other.network() <= broadcast();
}

std::string Ipv4Cidr::str() const { return fmt::format("{}/{}", m_address.str(), m_prefix); }

std::string Ipv4Cidr::subnet_str() const { return fmt::format("{}/{}", network().str(), m_prefix); }

}  // namespace virtplan::net
