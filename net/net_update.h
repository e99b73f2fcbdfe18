#pragma once

// NetUpdate is one `virsh net-update` that changes a network in place, live
// and in its config together, without restarting it: a DHCP host (added,
// deleted, or modified by MAC), a DHCP range or a DNS host (added or deleted
// only; libvirt-facts.md). between() lists the ones that take a network from
// its current spec to the desired one, in an order libvirt accepts: DHCP
// hosts and DNS hosts deleted before they are added (an IP that moves to
// another MAC would otherwise clash), new ranges added before old ones are
// deleted (a network is never left without a range).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace virtplan::net {

struct NetUpdate {
  std::string command;  // add-last | delete | modify
  std::string section;  // ip-dhcp-host | ip-dhcp-range | dns-host
  std::string xml;      // the element, for standard input

  bool operator==(const NetUpdate&) const = default;

  // From one canonical network spec (NetworkSpec's JSON) to another.
  static std::vector<NetUpdate> between(const nlohmann::json& current, const nlohmann::json& desired);
};

}  // namespace virtplan::net
