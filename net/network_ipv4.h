#pragma once

// NetworkIpv4 is a network's IPv4 side: the host's address on it (which fixes
// the subnet) and the DHCP server, if any.

#include "net/ipv4_cidr.h"
#include "net/network_dhcp.h"

#include <optional>

namespace virtplan::net {

struct NetworkIpv4 {
  Ipv4Cidr address;
  std::optional<NetworkDhcp> dhcp;
};

}  // namespace virtplan::net
