#pragma once

// NetworkDhcp is a network's DHCP server: the range it hands out and its
// static leases.

#include "net/dhcp_host.h"
#include "providers/base/dhcp_range.h"

#include <vector>

namespace virtplan::net {

struct NetworkDhcp {
  // One range in stacks; libvirt allows several, so what a host holds may be more.
  std::vector<providers::DhcpRange> ranges;
  std::vector<DhcpHost> hosts;  // sorted by MAC
};

}  // namespace virtplan::net
