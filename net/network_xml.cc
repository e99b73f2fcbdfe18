#include "net/network_xml.h"

#include "providers/xml/owner_marker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace virtplan::net {

using providers::DhcpRange;
using providers::Ipv4Address;

namespace {

using providers::ErrorCode;
using providers::fail;
using providers::MacAddress;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

// Elements libvirt rejects on a network in bridge mode: it only names the
// host bridge, it serves no addresses.
constexpr std::string_view k_not_in_bridge_mode[] = {"mac", "ip", "dns", "domain", "mtu"};

void remove_children(XmlNode parent, std::string_view name) {
  for (XmlNode child : parent.children(name)) {
    child.remove();
  }
}

void set_forward(XmlNode root, const NetworkSpec& spec) {
  if (spec.mode == NetworkMode::isolated) {
    remove_children(root, "forward");
    return;
  }
  XmlNode forward = root.ensure_child("forward");
  std::string mode(to_string(spec.mode));
  if (forward.attr("mode").value_or("nat") != mode) {
    // NAT port ranges and interface pools belong to the old mode.
    remove_children(forward, "nat");
    remove_children(forward, "interface");
  }
  forward.set_attr("mode", mode);
  if (forward.attr("dev") != spec.forward_dev) {
    remove_children(forward, "interface");
  }
  if (spec.forward_dev) {
    forward.set_attr("dev", *spec.forward_dev);
  } else {
    forward.remove_attr("dev");
  }
}

void set_optional_attr(XmlNode root, std::string_view element, std::string_view attr,
                       const std::optional<std::string>& value) {
  if (!value) {
    remove_children(root, element);
    return;
  }
  root.ensure_child(element).set_attr(attr, *value);
}

std::optional<XmlNode> ipv4_element(XmlNode root) {
  for (XmlNode ip : root.children("ip")) {
    if (ip.attr("family").value_or("ipv4") == "ipv4") {
      return ip;
    }
  }
  return std::nullopt;
}

std::string dhcp_range_key(XmlNode range) {
  return range.attr("start").value_or("") + "-" + range.attr("end").value_or("");
}

std::string dhcp_host_key(std::string mac) {
  std::transform(mac.begin(), mac.end(), mac.begin(), [](unsigned char c) { return std::tolower(c); });
  return mac;
}

// A declared range or host that is already there is updated in place, so
// what the spec does not model inside it (a <lease> time) stays; the others
// are written anew and those no longer declared removed.
void set_dhcp(XmlNode ip, const std::optional<NetworkDhcp>& dhcp) {
  if (!dhcp) {
    remove_children(ip, "dhcp");
    return;
  }
  XmlNode element = ip.ensure_child("dhcp");
  std::map<std::string, XmlNode> old_ranges, old_hosts;
  for (XmlNode range : element.children("range")) old_ranges.emplace(dhcp_range_key(range), range);
  // Hosts matched by client id or name alone are not managed (see read_dhcp): keep them.
  for (XmlNode host : element.children("host")) {
    if (auto mac = host.attr("mac")) old_hosts.emplace(dhcp_host_key(*mac), host);
  }
  for (const auto& range : dhcp->ranges) {
    const std::string key = range.start.str() + "-" + range.end.str();
    if (old_ranges.erase(key) == 0) {
      XmlNode node = element.add_child("range");
      node.set_attr("start", range.start.str());
      node.set_attr("end", range.end.str());
    }
  }
  for (const auto& host : dhcp->hosts) {
    auto old = old_hosts.find(dhcp_host_key(host.mac.str()));
    XmlNode node = old != old_hosts.end() ? old->second : element.add_child("host");
    if (old != old_hosts.end()) old_hosts.erase(old);
    node.set_attr("mac", host.mac.str());
    if (host.name) {
      node.set_attr("name", *host.name);
    } else {
      node.remove_attr("name");
    }
    node.set_attr("ip", host.ip.str());
  }
  for (auto& [key, node] : old_ranges) node.remove();
  for (auto& [key, node] : old_hosts) node.remove();
}

void set_ipv4(XmlNode root, const std::optional<NetworkIpv4>& ipv4) {
  std::optional<XmlNode> ip = ipv4_element(root);
  if (!ipv4) {
    if (ip) ip->remove();
    return;
  }
  if (!ip) {
    ip = root.add_child("ip");
  }
  ip->remove_attr("netmask");
  ip->set_attr("address", ipv4->address.address().str());
  ip->set_attr("prefix", std::to_string(ipv4->address.prefix()));
  set_dhcp(*ip, ipv4->dhcp);
}

void set_dns(XmlNode root, const std::vector<DnsHost>& hosts) {
  std::optional<XmlNode> dns = root.child("dns");
  if (dns) {
    // IPv6 DNS hosts are not managed (see read_dns_hosts): keep them.
    for (XmlNode host : dns->children("host")) {
      if (Ipv4Address::parse(host.attr("ip").value_or(""))) host.remove();
    }
  } else if (hosts.empty()) {
    return;
  } else {
    dns = root.add_child("dns");
  }
  for (const auto& host : hosts) {
    XmlNode node = dns->add_child("host");
    node.set_attr("ip", host.ip.str());
    for (const auto& name : host.names) {
      node.add_child("hostname").set_text(name);
    }
  }
  if (dns->children().empty() && !dns->attr("enable") && !dns->attr("forwardPlainNames")) {
    dns->remove();
  }
}

void apply_spec(XmlNode root, const NetworkSpec& spec) {
  set_forward(root, spec);
  if (spec.bridge) {
    root.ensure_child("bridge").set_attr("name", *spec.bridge);
  }
  if (spec.mode == NetworkMode::bridge) {
    for (auto name : k_not_in_bridge_mode) {
      remove_children(root, name);
    }
    return;
  }
  set_optional_attr(root, "mtu", "size", spec.mtu ? std::optional(std::to_string(*spec.mtu)) : std::nullopt);
  set_optional_attr(root, "domain", "name", spec.domain);
  set_dns(root, spec.dns_hosts);
  set_ipv4(root, spec.ipv4);
}

// --- reading -------------------------------------------------------------

Result<Ipv4Address> address_attr(XmlNode node, std::string_view name) {
  auto text = node.attr(name);
  auto address = text ? Ipv4Address::parse(*text) : std::nullopt;
  if (!address) {
    return fail(ErrorCode::invalid,
                fmt::format("<{}> has no valid IPv4 {}= ('{}')", node.name(), name, text.value_or("")));
  }
  return *address;
}

Result<NetworkMode> read_mode(XmlNode root) {
  std::optional<XmlNode> forward = root.child("forward");
  if (!forward) {
    return NetworkMode::isolated;
  }
  std::string text = forward->attr("mode").value_or("nat");
  auto mode = network_mode_from_string(text);
  if (!mode || *mode == NetworkMode::isolated) {
    return fail(ErrorCode::invalid, fmt::format("forward mode '{}' is not one virtplan manages", text));
  }
  return *mode;
}

// An <ip> with neither prefix= nor netmask= has its address class's mask.
int classful_prefix(Ipv4Address address) {
  std::uint32_t top = address.value() >> 24;
  return top < 128 ? 8 : top < 192 ? 16 : 24;
}

Result<Ipv4Cidr> read_cidr(XmlNode ip) {
  auto address = address_attr(ip, "address");
  if (!address) return fail(address.error());
  if (auto prefix = ip.attr("prefix")) {
    auto cidr = Ipv4Cidr::parse(address->str() + "/" + *prefix);
    if (!cidr) return fail(ErrorCode::invalid, fmt::format("<ip> has an invalid prefix '{}'", *prefix));
    return *cidr;
  }
  if (ip.attr("netmask")) {
    auto mask = address_attr(ip, "netmask");
    auto cidr = mask ? Ipv4Cidr::from_netmask(*address, *mask) : std::nullopt;
    if (!cidr) return fail(ErrorCode::invalid, "<ip> has an invalid netmask");
    return *cidr;
  }
  return Ipv4Cidr(*address, classful_prefix(*address));
}

Result<NetworkDhcp> read_dhcp(XmlNode dhcp) {
  NetworkDhcp out;
  for (XmlNode range : dhcp.children("range")) {
    auto start = address_attr(range, "start");
    auto end = address_attr(range, "end");
    if (!start) return fail(start.error());
    if (!end) return fail(end.error());
    out.ranges.push_back(DhcpRange{*start, *end});
  }
  for (XmlNode host : dhcp.children("host")) {
    // Hosts matched by DHCP client id or by name alone have no MAC to key
    // them by; virtplan does not manage them.
    auto mac = MacAddress::parse(host.attr("mac").value_or(""));
    if (!mac) continue;
    auto ip = address_attr(host, "ip");
    if (!ip) return fail(ip.error());
    out.hosts.push_back(DhcpHost{*mac, *ip, host.attr("name")});
  }
  std::sort(out.hosts.begin(), out.hosts.end(),
            [](const DhcpHost& a, const DhcpHost& b) { return a.mac < b.mac; });
  return out;
}

Result<std::optional<NetworkIpv4>> read_ipv4(XmlNode root) {
  std::optional<XmlNode> ip = ipv4_element(root);
  if (!ip) return std::optional<NetworkIpv4>();
  auto cidr = read_cidr(*ip);
  if (!cidr) return fail(cidr.error());
  NetworkIpv4 ipv4{*cidr, std::nullopt};
  if (auto dhcp = ip->child("dhcp")) {
    auto read = read_dhcp(*dhcp);
    if (!read) return fail(read.error());
    ipv4.dhcp = std::move(*read);
  }
  return std::optional(ipv4);
}

Result<std::vector<DnsHost>> read_dns_hosts(XmlNode root) {
  std::vector<DnsHost> hosts;
  std::optional<XmlNode> dns = root.child("dns");
  if (!dns) return hosts;
  for (XmlNode host : dns->children("host")) {
    auto ip = address_attr(host, "ip");
    if (!ip) continue;  // an IPv6 DNS host: not managed
    DnsHost entry{*ip, {}};
    for (XmlNode name : host.children("hostname")) {
      entry.names.push_back(name.text());
    }
    hosts.push_back(std::move(entry));
  }
  std::sort(hosts.begin(), hosts.end(), [](const DnsHost& a, const DnsHost& b) { return a.ip < b.ip; });
  return hosts;
}

std::optional<std::string> child_attr(XmlNode root, std::string_view element, std::string_view attr) {
  std::optional<XmlNode> child = root.child(element);
  return child ? child->attr(attr) : std::nullopt;
}

Result<NetworkSpec> read_spec(XmlNode root) {
  NetworkSpec spec;
  auto mode = read_mode(root);
  if (!mode) return fail(mode.error());
  spec.mode = *mode;
  spec.bridge = child_attr(root, "bridge", "name");
  spec.forward_dev = child_attr(root, "forward", "dev");
  spec.domain = child_attr(root, "domain", "name");
  if (auto mtu = child_attr(root, "mtu", "size")) {
    spec.mtu = std::stoll(*mtu);
  }
  auto ipv4 = read_ipv4(root);
  if (!ipv4) return fail(ipv4.error());
  spec.ipv4 = std::move(*ipv4);
  auto dns = read_dns_hosts(root);
  if (!dns) return fail(dns.error());
  spec.dns_hosts = std::move(*dns);
  return spec;
}

}  // namespace

XmlDocument build_network_xml(const NetworkSpec& spec, const std::string& name, const std::string& stack) {
  XmlDocument document = XmlDocument::create("network");
  XmlNode root = document.root();
  root.add_child("name").set_text(name);
  providers::set_owner_marker(root, stack);
  apply_spec(root, spec);
  return document;
}

void update_network_xml(XmlDocument& document, const NetworkSpec& spec, const std::string& stack) {
  XmlNode root = document.root();
  providers::set_owner_marker(root, stack);
  apply_spec(root, spec);
}

Result<NetworkSpec> read_network_xml(const XmlDocument& document) {
  XmlNode root = document.root();
  std::string name = root.child("name") ? root.child("name")->text() : "?";
  if (root.name() != "network") {
    return fail(ErrorCode::invalid, fmt::format("expected <network>, got <{}>", root.name()));
  }
  try {
    auto spec = read_spec(root);
    if (!spec) return fail(spec.error().with_context("network " + name));
    return spec;
  } catch (const std::exception& e) {  // std::stoll on a bad <mtu size>
    return fail(ErrorCode::invalid, fmt::format("network {}: invalid <mtu>: {}", name, e.what()));
  }
}

std::optional<std::string> read_network_owner(const XmlDocument& document) {
  std::optional<XmlNode> metadata = document.root().child("metadata");
  if (!metadata) return std::nullopt;
  std::optional<XmlNode> owner = metadata->child("owner", providers::owner_namespace());
  return owner ? owner->attr("stack") : std::nullopt;
}

}  // namespace virtplan::net
