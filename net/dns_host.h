#pragma once

// DnsHost is one address the network's DNS server answers for, with its names
// in order (the first is what a reverse lookup returns).

#include "providers/base/ipv4_address.h"

#include <string>
#include <vector>

namespace virtplan::net {

struct DnsHost {
  providers::Ipv4Address ip;
  std::vector<std::string> names;
};

}  // namespace virtplan::net
