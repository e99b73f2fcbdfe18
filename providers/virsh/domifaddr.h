#pragma once

// parse_domifaddr() reads what `virsh -q domifaddr` prints, whatever the
// source (lease, agent, arp): a line per address,
//   " vnet0  52:54:00:7a:61:01  ipv4  10.79.0.148/24"
//   " -      -                  ipv6  fd00::5/64"
// where a NIC's further addresses have "-" for its name and MAC. IPv4 and
// IPv6 addresses are both read; what a caller may use is its own choice.

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

struct InterfaceAddress {
  std::string mac;       // lowercase, the NIC's (a "-" line carries the one before); "" when none came yet
  std::string protocol;  // "ipv4" or "ipv6"
  std::string address;   // without the prefix length: "10.79.0.148"

  bool operator==(const InterfaceAddress&) const = default;
};

std::vector<InterfaceAddress> parse_domifaddr(std::string_view output);

}  // namespace virtplan::providers
