#include "net/network_stack_writer.h"

#include "net/network_spec.h"

namespace virtplan::net {

using nlohmann::json;

namespace {

json dhcp_yaml(const NetworkDhcp& dhcp) {
  json out = json::object();
  if (dhcp.ranges.size() == 1) {
    out["range"] = dhcp.ranges.front().str();
  } else {
    for (const auto& range : dhcp.ranges) out["range"].push_back(range.str());
  }
  for (const auto& host : dhcp.hosts) {
    json entry = {{"mac", host.mac.str()}, {"ip", host.ip.str()}};
    if (host.name) entry["name"] = *host.name;
    out["hosts"].push_back(entry);
  }
  return out;
}

}  // namespace

providers::Result<json> network_to_stack(const providers::Spec& spec) {
  auto typed = NetworkSpec::from_json(spec);
  if (!typed) return providers::fail(typed.error());
  // `mode` is written even as the default: it is what a reader looks for first.
  json out = {{"mode", std::string(to_string(typed->mode))}};
  if (typed->bridge) out["bridge"] = *typed->bridge;
  if (typed->forward_dev) out["forward_dev"] = *typed->forward_dev;
  if (typed->mtu) out["mtu"] = *typed->mtu;
  if (typed->domain) out["domain"] = *typed->domain;
  if (typed->ipv4) {
    out["ipv4"] = {{"address", typed->ipv4->address.str()}};
    if (typed->ipv4->dhcp) out["ipv4"]["dhcp"] = dhcp_yaml(*typed->ipv4->dhcp);
  }
  for (const auto& host : typed->dns_hosts) {
    out["dns"]["hosts"].push_back({{"ip", host.ip.str()}, {"names", host.names}});
  }
  if (!typed->autostart.value_or(true)) out["autostart"] = false;
  return out;
}

}  // namespace virtplan::net
