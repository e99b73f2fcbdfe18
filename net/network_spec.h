#pragma once

// NetworkSpec is the typed form of a network's canonical spec, what both the
// stack and libvirt's XML are read into. Its JSON form (to_json) is:
//
//   {"mode": "nat", "bridge": "vp-lan0", "forward_dev": "eth0", "mtu": 9000,
//    "domain": "lan", "autostart": true,
//    "ipv4": {"address": "10.77.0.1/24",
//             "dhcp": {"range": "10.77.0.100-10.77.0.199",
//                      "hosts": {"52:54:00:00:00:10": {"ip": "10.77.0.10", "name": "web"}}}},
//    "dns": {"hosts": {"10.77.0.10": ["web.lan"]}}}
//
// Optional scalars are absent when unset. DHCP hosts are keyed by MAC and DNS
// hosts by IP, so they match by identity. "dns" is present (maybe with no
// hosts) in every mode but bridge, which has no DNS server. "range" is a
// string; a host holding several ranges reads back as a list of them.
// "autostart" is not part of libvirt's XML: parse_xml leaves it out and the
// observer fills it in from `virsh net-list --autostart`.

#include "net/dns_host.h"
#include "net/network_ipv4.h"
#include "net/network_mode.h"
#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::net {

struct NetworkSpec {
  NetworkMode mode = NetworkMode::nat;
  std::optional<std::string> bridge;
  std::optional<std::string> forward_dev;
  std::optional<std::int64_t> mtu;
  std::optional<std::string> domain;
  std::optional<NetworkIpv4> ipv4;
  std::vector<DnsHost> dns_hosts;  // sorted by IP
  std::optional<bool> autostart;   // unset when read from XML

  nlohmann::json to_json() const;
  static providers::Result<NetworkSpec> from_json(const nlohmann::json& json);
};

}  // namespace virtplan::net
