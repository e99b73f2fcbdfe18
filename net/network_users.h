#pragma once

// Which domains use which networks, from the domains' XML: an interface
// <interface type='network'><source network='NAME'/> uses network NAME.
// NetworkReader reads every domain's inactive XML, and the live XML of each
// running one (a NIC attached live only counts too), and puts /used_by in
// each network's observed spec, sorted by domain and MAC:
//   [{"domain": "db", "interface": "52:54:00:12:34:56", "running": true}]
// which NetworkKind::holds() reads: destroying a network that a domain the
// plan does not destroy too still uses would cut that domain off, so the
// planner refuses it unless forced (planner/data_safety.h). A domain plugged
// into the network's bridge directly (<interface type='bridge'>) is not seen.

#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace virtplan::net {

// One interface of one domain on a libvirt network.
struct NetworkUser {
  std::string network;
  std::string domain;
  std::string mac;  // empty when the XML has none
  bool running = false;

  bool operator==(const NetworkUser&) const = default;
};

// The network interfaces in one domain document (dumpxml, live or inactive).
providers::Result<std::vector<NetworkUser>> read_network_users(const std::string& domain,
                                                               const std::string& xml, bool running);

// /used_by of `network` from every domain's users: one entry per domain and
// MAC, running when a live document showed it.
nlohmann::json network_used_by(const std::vector<NetworkUser>& users, const std::string& network);

}  // namespace virtplan::net
