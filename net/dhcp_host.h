#pragma once

// DhcpHost is one static DHCP lease of a network: the NIC with this MAC always
// gets this address (and, optionally, this host name).

#include "providers/base/ipv4_address.h"
#include "providers/base/mac_address.h"

#include <optional>
#include <string>

namespace virtplan::net {

struct DhcpHost {
  providers::MacAddress mac;
  providers::Ipv4Address ip;
  std::optional<std::string> name;
};

}  // namespace virtplan::net
