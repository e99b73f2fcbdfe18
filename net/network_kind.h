#pragma once

// NetworkKind is the "network" resource kind: libvirt virtual networks (NAT,
// routed, open, isolated, or a view of an existing host bridge) with their
// DHCP ranges, static leases and DNS hosts. The spec is NetworkSpec's JSON.
//
// Impact (network_field_rules(), the table the plan and NetworkActuator read):
// DHCP hosts, the DHCP range, DNS hosts and autostart change live
// (`net-update ... --live --config`, `net-autostart`); everything else (mode,
// bridge, address/subnet, forward device, MTU, domain name) needs the network
// redefined and restarted, which briefly disconnects its guests.
//
// What libvirt's XML does not hold, parse_xml() leaves out: "autostart" (read
// it with `virsh net-list --all --autostart --name` and set /autostart) and
// the owner (read_network_owner() in net/network_xml.h).

#include "providers/kind/registry.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::net {

class NetworkKind : public providers::ResourceKind {
public:
  NetworkKind() : ResourceKind("network", "networks") {}

  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override;
  std::vector<providers::Reference> references(const providers::StackObject& object) const override;
  // Across the networks of one host: overlapping subnets, one bridge name
  // used twice, one MAC with static leases in two networks.
  void check(const providers::StackObject& object, const providers::StackIndex& all,
             providers::Diagnostics& diags) const override;
  providers::Result<std::string> create_xml(const providers::StackObject& object) const override;
  providers::Result<providers::Spec> parse_xml(const std::string& xml) const override;
  providers::Result<std::string> update_xml(const std::string& current_xml,
                                            const providers::StackObject& object) const override;
  // libvirt names the bridge (virbrN) when the stack does not.
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec& observed) const override;
  const providers::FieldRules& field_rules() const override;
  providers::Result<nlohmann::json> to_stack(const providers::Spec& spec) const override;
  std::string summary(const providers::Spec& spec) const override;
  // A destroy (not a replace, which defines it again) is held by each domain
  // in /used_by (net/network_users.h): forceable, since a domain cut off
  // loses its connectivity, not its data.
  std::vector<providers::Hold> holds(const providers::ObjectId& id, const providers::Spec& observed,
                                     bool replacing) const override;
};

// The live ways of a network's field rules, as NetworkActuator runs them.
namespace network_live {
inline constexpr std::string_view net_update = "net-update";
inline constexpr std::string_view autostart = "net-autostart";
}  // namespace network_live

const providers::FieldRules& network_field_rules();

// The one NetworkKind the program uses.
const NetworkKind& network_kind();

// The network kind's registry entry: network_kind(), its reader and its actuator.
const providers::KindEntry& network_entry();

}  // namespace virtplan::net
