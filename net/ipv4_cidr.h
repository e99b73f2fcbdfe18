#pragma once

// Ipv4Cidr is an address with its prefix length, "10.77.0.1/24": the host's
// own address on a network and, through it, the network's subnet.

#include "providers/base/ipv4_address.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::net {

class Ipv4Cidr {
public:
  Ipv4Cidr(providers::Ipv4Address address, int prefix) : m_address(address), m_prefix(prefix) {}

  // "A.B.C.D/N" with N in 1..32; nullopt otherwise.
  static std::optional<Ipv4Cidr> parse(std::string_view text);
  // An address and a dotted netmask ("255.255.255.0"), as libvirt's
  // netmask= attribute gives them; nullopt for a non-contiguous mask.
  static std::optional<Ipv4Cidr> from_netmask(providers::Ipv4Address address, providers::Ipv4Address netmask);

  providers::Ipv4Address address() const { return m_address; }
  int prefix() const { return m_prefix; }
  providers::Ipv4Address netmask() const;
  providers::Ipv4Address network() const;    // the first address of the subnet
  providers::Ipv4Address broadcast() const;  // the last address of the subnet

  bool contains(providers::Ipv4Address address) const;
  bool overlaps(const Ipv4Cidr& other) const;

  std::string str() const;         // "10.77.0.1/24"
  std::string subnet_str() const;  // "10.77.0.0/24"

private:
  providers::Ipv4Address m_address;
  int m_prefix;
};

}  // namespace virtplan::net
