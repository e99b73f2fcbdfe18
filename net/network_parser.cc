#include "net/network_parser.h"

#include "net/network_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace virtplan::net {

using providers::DhcpRange;
using providers::Ipv4Address;

namespace {

using providers::Diagnostics;
using providers::MacAddress;
using providers::SourceLocation;
using providers::StackObject;
using providers::YamlMap;
using providers::YamlValue;

// Linux limits interface names to IFNAMSIZ - 1 characters.
constexpr std::size_t k_max_bridge_name = 15;
constexpr std::int64_t k_min_mtu = 68;
constexpr std::int64_t k_max_mtu = 65535;

// One network being read: the spec so far and where its fields came from.
struct Reader {
  StackObject& object;
  Diagnostics& diags;
  NetworkSpec spec;

  void located(const std::string& pointer, const YamlValue& value) {
    object.locations[pointer] = value.where();
  }
};

std::optional<Ipv4Address> read_address(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  auto address = Ipv4Address::parse(*text);
  if (!address) value.error(diags, fmt::format("invalid IPv4 address '{}'", *text));
  return address;
}

std::optional<std::string> read_bridge_name(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  bool bad_char = std::any_of(text->begin(), text->end(), [](char c) {
    return c == '/' || c == ':' || c == '%' || static_cast<unsigned char>(c) <= ' ';
  });
  if (text->empty() || text->size() > k_max_bridge_name || bad_char) {
    value.error(diags, fmt::format("invalid interface name '{}' (1-{} characters, no '/', ':', "
                                   "'%' or spaces)",
                                   *text, k_max_bridge_name));
    return std::nullopt;
  }
  return text;
}

void read_range(Reader& r, const YamlValue& value, const Ipv4Cidr& subnet, NetworkDhcp& dhcp) {
  auto text = value.as_string(r.diags);
  if (!text) return;
  auto range = DhcpRange::parse(*text);
  if (!range) {
    value.error(r.diags, fmt::format("invalid DHCP range '{}' (expected START-END, START <= END)", *text));
    return;
  }
  if (!subnet.contains(range->start) || !subnet.contains(range->end)) {
    value.error(r.diags, fmt::format("DHCP range {} is outside the subnet {}", *text, subnet.subnet_str()));
    return;
  }
  r.located("/ipv4/dhcp/range", value);
  dhcp.ranges.push_back(*range);
}

std::optional<DhcpHost> read_dhcp_host(Reader& r, const YamlValue& value, const Ipv4Cidr& subnet) {
  auto map = value.as_map(r.diags);
  if (!map) return std::nullopt;
  auto mac_value = map->get("mac");
  auto ip_value = map->get("ip");
  auto name_value = map->get("name");
  map->report_unknown(r.diags);
  if (!mac_value || !ip_value) {
    map->error(r.diags, "a DHCP host needs 'mac' and 'ip'");
    return std::nullopt;
  }
  auto mac_text = mac_value->as_string(r.diags);
  std::optional<MacAddress> mac;
  if (mac_text) {
    auto read = MacAddress::read_nic(*mac_text);
    if (read)
      mac = *read;
    else
      mac_value->error(r.diags, read.error());
  }
  auto ip = read_address(*ip_value, r.diags);
  if (ip && !subnet.contains(*ip)) {
    ip_value->error(r.diags,
                    fmt::format("DHCP host {} is outside the subnet {}", ip->str(), subnet.subnet_str()));
    ip.reset();
  }
  // The host's own address on the network (its gateway): a guest given it
  // would fight the host for it.
  if (ip && *ip == subnet.address()) {
    ip_value->error(r.diags, fmt::format("DHCP host {} is the network's own address (the gateway, "
                                         "ipv4.address {})",
                                         ip->str(), subnet.str()));
    ip.reset();
  }
  std::optional<std::string> name;
  if (name_value) name = name_value->as_string(r.diags);
  if (!mac || !ip) return std::nullopt;
  r.located("/ipv4/dhcp/hosts/" + mac->str(), *mac_value);
  return DhcpHost{*mac, *ip, name};
}

void read_dhcp_hosts(Reader& r, const YamlValue& value, const Ipv4Cidr& subnet, NetworkDhcp& dhcp) {
  auto items = value.as_sequence(r.diags);
  if (!items) return;
  std::map<MacAddress, SourceLocation> macs;
  std::map<Ipv4Address, SourceLocation> ips;
  for (const YamlValue& item : *items) {
    auto host = read_dhcp_host(r, item, subnet);
    if (!host) continue;
    auto [mac_at, new_mac] = macs.emplace(host->mac, item.where());
    auto [ip_at, new_ip] = ips.emplace(host->ip, item.where());
    if (!new_mac) {
      item.error(r.diags, fmt::format("duplicate DHCP host MAC {} (first at {})", host->mac.str(),
                                      mac_at->second.str()));
    } else if (!new_ip) {
      item.error(r.diags, fmt::format("duplicate DHCP host address {} (first at {})", host->ip.str(),
                                      ip_at->second.str()));
    } else {
      dhcp.hosts.push_back(*host);
    }
  }
  std::sort(dhcp.hosts.begin(), dhcp.hosts.end(),
            [](const DhcpHost& a, const DhcpHost& b) { return a.mac < b.mac; });
}

void read_dhcp(Reader& r, const YamlValue& value, const Ipv4Cidr& subnet, NetworkIpv4& ipv4) {
  auto map = value.as_map(r.diags);
  if (!map) return;
  NetworkDhcp dhcp;
  if (auto range = map->get("range")) read_range(r, *range, subnet, dhcp);
  if (auto hosts = map->get("hosts")) read_dhcp_hosts(r, *hosts, subnet, dhcp);
  map->report_unknown(r.diags);
  ipv4.dhcp = std::move(dhcp);
}

void read_ipv4(Reader& r, const YamlValue& value) {
  auto map = value.as_map(r.diags);
  if (!map) return;
  auto address_value = map->get("address");
  auto dhcp_value = map->get("dhcp");
  map->report_unknown(r.diags);
  if (!address_value) {
    map->error(r.diags, "ipv4 needs 'address' (the host's address and prefix, like 10.77.0.1/24)");
    return;
  }
  auto text = address_value->as_string(r.diags);
  if (!text) return;
  auto cidr = Ipv4Cidr::parse(*text);
  if (!cidr) {
    address_value->error(r.diags,
                         fmt::format("invalid IPv4 address/prefix '{}' (expected like 10.77.0.1/24)", *text));
    return;
  }
  if (cidr->prefix() < 31 && (cidr->address() == cidr->network() || cidr->address() == cidr->broadcast())) {
    address_value->error(r.diags, fmt::format("{} is the subnet's {} address, not a host address", *text,
                                              cidr->address() == cidr->network() ? "network" : "broadcast"));
    return;
  }
  r.located("/ipv4/address", *address_value);
  NetworkIpv4 ipv4{*cidr, std::nullopt};
  if (dhcp_value) read_dhcp(r, *dhcp_value, *cidr, ipv4);
  r.spec.ipv4 = std::move(ipv4);
}

std::optional<DnsHost> read_dns_host(Reader& r, const YamlValue& value) {
  auto map = value.as_map(r.diags);
  if (!map) return std::nullopt;
  auto ip_value = map->get("ip");
  auto names_value = map->get("names");
  map->report_unknown(r.diags);
  if (!ip_value || !names_value) {
    map->error(r.diags, "a DNS host needs 'ip' and 'names'");
    return std::nullopt;
  }
  auto ip = read_address(*ip_value, r.diags);
  DnsHost host{ip.value_or(Ipv4Address()), {}};
  if (names_value->is_scalar()) {
    if (auto name = names_value->as_string(r.diags)) host.names.push_back(*name);
  } else if (auto names = names_value->as_sequence(r.diags)) {
    for (const YamlValue& item : *names) {
      if (auto name = item.as_string(r.diags)) host.names.push_back(*name);
    }
  }
  if (!ip || host.names.empty()) return std::nullopt;
  r.located("/dns/hosts/" + ip->str(), *ip_value);
  return host;
}

void read_dns(Reader& r, const YamlValue& value) {
  auto map = value.as_map(r.diags);
  if (!map) return;
  auto hosts_value = map->get("hosts");
  map->report_unknown(r.diags);
  if (!hosts_value) return;
  auto items = hosts_value->as_sequence(r.diags);
  if (!items) return;
  std::map<Ipv4Address, SourceLocation> seen;
  for (const YamlValue& item : *items) {
    auto host = read_dns_host(r, item);
    if (!host) continue;
    auto [at, fresh] = seen.emplace(host->ip, item.where());
    if (!fresh) {
      item.error(r.diags, fmt::format("duplicate DNS host {} (first at {}); list all its names in one entry",
                                      host->ip.str(), at->second.str()));
      continue;
    }
    r.spec.dns_hosts.push_back(std::move(*host));
  }
  std::sort(r.spec.dns_hosts.begin(), r.spec.dns_hosts.end(),
            [](const DnsHost& a, const DnsHost& b) { return a.ip < b.ip; });
}

void read_mode(Reader& r, YamlMap& map) {
  auto value = map.get("mode");
  if (!value) return;
  auto text = value->as_enum(r.diags, {"nat", "route", "open", "isolated", "bridge"});
  if (!text) return;
  r.located("/mode", *value);
  r.spec.mode = *network_mode_from_string(*text);
}

void read_mtu(Reader& r, const YamlValue& value) {
  auto mtu = value.as_int(r.diags);
  if (!mtu) return;
  if (*mtu < k_min_mtu || *mtu > k_max_mtu) {
    value.error(r.diags, fmt::format("mtu {} is out of range ({}-{})", *mtu, k_min_mtu, k_max_mtu));
    return;
  }
  r.spec.mtu = *mtu;
}

// A network in bridge mode only names an existing host bridge, or the host
// interface guests reach the outside through by macvtap (`forward_dev`, as
// libvirt's <forward mode='bridge' dev='eth0'/>): libvirt serves no
// addresses, DNS or MTU on it, and one of the two must be named.
void check_bridge_mode(Reader& r, YamlMap& map) {
  if (r.spec.mode != NetworkMode::bridge) return;
  for (const char* key : {"ipv4", "dns", "domain", "mtu"}) {
    if (auto value = map.get(key)) {
      value->error(r.diags, fmt::format("'{}' is not allowed in bridge mode (libvirt only attaches "
                                        "guests to the existing bridge)",
                                        key));
    }
  }
  if (!r.spec.bridge && !r.spec.forward_dev) {
    map.error(r.diags,
              "bridge mode needs 'bridge' (the existing host bridge) or 'forward_dev' (the host interface, "
              "for macvtap)");
  } else if (r.spec.bridge && r.spec.forward_dev) {
    map.error(r.diags, "bridge mode takes 'bridge' (a host bridge) or 'forward_dev' (macvtap), not both");
  }
}

void check_forward_dev(Reader& r, YamlMap& map) {
  auto value = map.get("forward_dev");
  if (!value || r.spec.mode == NetworkMode::nat || r.spec.mode == NetworkMode::route ||
      r.spec.mode == NetworkMode::bridge) {
    return;
  }
  value->error(r.diags, fmt::format("'forward_dev' needs mode nat or route, not {}", to_string(r.spec.mode)));
  r.spec.forward_dev.reset();
}

}  // namespace

void parse_network(YamlMap& map, StackObject& object, Diagnostics& diags) {
  Reader r{object, diags, NetworkSpec{}};
  read_mode(r, map);
  if (auto value = map.get("bridge")) {
    r.spec.bridge = read_bridge_name(*value, diags);
    if (r.spec.bridge) r.located("/bridge", *value);
  }
  if (auto value = map.get("forward_dev")) r.spec.forward_dev = read_bridge_name(*value, diags);
  if (auto value = map.get("mtu")) read_mtu(r, *value);
  if (auto value = map.get("domain")) r.spec.domain = value->as_string(diags);
  bool bridge_mode = r.spec.mode == NetworkMode::bridge;
  if (auto value = map.get("ipv4"); value && !bridge_mode) read_ipv4(r, *value);
  if (auto value = map.get("dns"); value && !bridge_mode) read_dns(r, *value);
  r.spec.autostart = true;
  if (auto value = map.get("autostart")) r.spec.autostart = value->as_bool(diags).value_or(true);
  check_bridge_mode(r, map);
  check_forward_dev(r, map);
  if (bridge_mode) {
    r.spec.mtu.reset();
    r.spec.domain.reset();
  }
  object.spec = r.spec.to_json();
}

}  // namespace virtplan::net
