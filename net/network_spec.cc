#include "net/network_spec.h"

#include <algorithm>
#include <stdexcept>

namespace virtplan::net {

using providers::DhcpRange;
using providers::Ipv4Address;

namespace {

using nlohmann::json;
using providers::MacAddress;
using providers::Result;

json dhcp_to_json(const NetworkDhcp& dhcp) {
  json out = {{"hosts", json::object()}};
  if (dhcp.ranges.size() == 1) {
    out["range"] = dhcp.ranges.front().str();
  } else if (!dhcp.ranges.empty()) {
    for (const auto& range : dhcp.ranges) {
      out["range"].push_back(range.str());
    }
  }
  for (const auto& host : dhcp.hosts) {
    json entry = {{"ip", host.ip.str()}};
    if (host.name) {
      entry["name"] = *host.name;
    }
    out["hosts"][host.mac.str()] = entry;
  }
  return out;
}

json ipv4_to_json(const NetworkIpv4& ipv4) {
  json out = {{"address", ipv4.address.str()}};
  if (ipv4.dhcp) {
    out["dhcp"] = dhcp_to_json(*ipv4.dhcp);
  }
  return out;
}

// nlohmann's accessors throw on a wrong shape; from_json turns that into an
// error, so these helpers may throw too.
Ipv4Address address_from(const json& value) {
  auto address = Ipv4Address::parse(value.get<std::string>());
  if (!address) {
    throw std::invalid_argument("invalid IPv4 address " + value.dump());
  }
  return *address;
}

DhcpRange range_from(const json& value) {
  auto range = DhcpRange::parse(value.get<std::string>());
  if (!range) {
    throw std::invalid_argument("invalid DHCP range " + value.dump());
  }
  return *range;
}

NetworkDhcp dhcp_from(const json& value) {
  NetworkDhcp dhcp;
  if (auto range = value.find("range"); range != value.end()) {
    if (range->is_array()) {
      for (const auto& item : *range) {
        dhcp.ranges.push_back(range_from(item));
      }
    } else {
      dhcp.ranges.push_back(range_from(*range));
    }
  }
  const json hosts = value.value("hosts", json::object());
  for (const auto& [mac_text, entry] : hosts.items()) {
    auto mac = MacAddress::parse(mac_text);
    if (!mac) {
      throw std::invalid_argument("invalid MAC address '" + mac_text + "'");
    }
    DhcpHost host{*mac, address_from(entry.at("ip")), std::nullopt};
    if (entry.contains("name")) {
      host.name = entry.at("name").get<std::string>();
    }
    dhcp.hosts.push_back(std::move(host));
  }
  return dhcp;
}

NetworkIpv4 ipv4_from(const json& value) {
  auto cidr = Ipv4Cidr::parse(value.at("address").get<std::string>());
  if (!cidr) {
    throw std::invalid_argument("invalid IPv4 address/prefix " + value.at("address").dump());
  }
  NetworkIpv4 ipv4{*cidr, std::nullopt};
  if (value.contains("dhcp")) {
    ipv4.dhcp = dhcp_from(value.at("dhcp"));
  }
  return ipv4;
}

template <typename T>
std::optional<T> optional_from(const json& object, const char* key) {
  if (!object.contains(key)) {
    return std::nullopt;
  }
  return object.at(key).get<T>();
}

NetworkSpec spec_from(const json& value) {
  NetworkSpec spec;
  auto mode = network_mode_from_string(value.at("mode").get<std::string>());
  if (!mode) {
    throw std::invalid_argument("unknown network mode " + value.at("mode").dump());
  }
  spec.mode = *mode;
  spec.bridge = optional_from<std::string>(value, "bridge");
  spec.forward_dev = optional_from<std::string>(value, "forward_dev");
  spec.mtu = optional_from<std::int64_t>(value, "mtu");
  spec.domain = optional_from<std::string>(value, "domain");
  spec.autostart = optional_from<bool>(value, "autostart");
  if (value.contains("ipv4")) {
    spec.ipv4 = ipv4_from(value.at("ipv4"));
  }
  if (value.contains("dns")) {
    const json hosts = value.at("dns").value("hosts", json::object());
    for (const auto& [ip, names] : hosts.items()) {
      spec.dns_hosts.push_back(DnsHost{address_from(ip), names.get<std::vector<std::string>>()});
    }
  }
  return spec;
}

}  // namespace

json NetworkSpec::to_json() const {
  json out = {{"mode", std::string(to_string(mode))}};
  if (bridge) out["bridge"] = *bridge;
  if (forward_dev) out["forward_dev"] = *forward_dev;
  if (mtu) out["mtu"] = *mtu;
  if (domain) out["domain"] = *domain;
  if (autostart) out["autostart"] = *autostart;
  if (ipv4) out["ipv4"] = ipv4_to_json(*ipv4);
  if (mode != NetworkMode::bridge) {
    out["dns"] = {{"hosts", json::object()}};
    for (const auto& host : dns_hosts) {
      out["dns"]["hosts"][host.ip.str()] = host.names;
    }
  }
  return out;
}

Result<NetworkSpec> NetworkSpec::from_json(const json& value) {
  return providers::read_or_invalid("network spec", [&] { return spec_from(value); });
}

}  // namespace virtplan::net
