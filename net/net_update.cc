#include "net/net_update.h"

#include "providers/xml/document.h"

#include <set>

namespace virtplan::net {

using nlohmann::json;
using providers::XmlDocument;

namespace {

const json& at_path(const json& spec, std::initializer_list<const char*> keys) {
  static const json k_empty = json::object();
  const json* at = &spec;
  for (const char* key : keys) {
    if (!at->is_object() || !at->contains(key)) return k_empty;
    at = &at->at(key);
  }
  return *at;
}

std::set<std::string> ranges_of(const json& spec) {
  const json& range = at_path(spec, {"ipv4", "dhcp", "range"});
  std::set<std::string> out;
  if (range.is_string()) out.insert(range.get<std::string>());
  if (range.is_array()) {
    for (const auto& item : range) out.insert(item.get<std::string>());
  }
  return out;
}

std::string dhcp_host_xml(const std::string& mac, const json& entry) {
  XmlDocument document = XmlDocument::create("host");
  document.root().set_attr("mac", mac);
  if (entry.contains("name")) document.root().set_attr("name", entry.at("name").get<std::string>());
  document.root().set_attr("ip", entry.at("ip").get<std::string>());
  return document.to_string();
}

std::string range_xml(const std::string& range) {
  XmlDocument document = XmlDocument::create("range");
  auto dash = range.find('-');
  document.root().set_attr("start", range.substr(0, dash));
  document.root().set_attr("end", dash == std::string::npos ? "" : range.substr(dash + 1));
  return document.to_string();
}

std::string dns_host_xml(const std::string& ip, const json& names) {
  XmlDocument document = XmlDocument::create("host");
  document.root().set_attr("ip", ip);
  for (const auto& name : names) document.root().add_child("hostname").set_text(name.get<std::string>());
  return document.to_string();
}

}  // namespace

std::vector<NetUpdate> NetUpdate::between(const json& current, const json& desired) {
  std::vector<NetUpdate> out;
  const json& had = at_path(current, {"ipv4", "dhcp", "hosts"});
  const json& want = at_path(desired, {"ipv4", "dhcp", "hosts"});
  for (const auto& [mac, entry] : had.items()) {
    if (!want.contains(mac)) out.push_back({"delete", "ip-dhcp-host", dhcp_host_xml(mac, entry)});
  }
  for (const auto& [mac, entry] : want.items()) {
    if (had.contains(mac) && had.at(mac) != entry)
      out.push_back({"modify", "ip-dhcp-host", dhcp_host_xml(mac, entry)});
  }
  for (const auto& [mac, entry] : want.items()) {
    if (!had.contains(mac)) out.push_back({"add-last", "ip-dhcp-host", dhcp_host_xml(mac, entry)});
  }

  std::set<std::string> old_ranges = ranges_of(current);
  std::set<std::string> new_ranges = ranges_of(desired);
  for (const auto& range : new_ranges) {
    if (!old_ranges.contains(range)) out.push_back({"add-last", "ip-dhcp-range", range_xml(range)});
  }
  for (const auto& range : old_ranges) {
    if (!new_ranges.contains(range)) out.push_back({"delete", "ip-dhcp-range", range_xml(range)});
  }

  const json& had_dns = at_path(current, {"dns", "hosts"});
  const json& want_dns = at_path(desired, {"dns", "hosts"});
  // A DNS host cannot be modified: one whose names change is deleted and added again.
  for (const auto& [ip, names] : had_dns.items()) {
    if (!want_dns.contains(ip) || want_dns.at(ip) != names)
      out.push_back({"delete", "dns-host", dns_host_xml(ip, names)});
  }
  for (const auto& [ip, names] : want_dns.items()) {
    if (!had_dns.contains(ip) || had_dns.at(ip) != names)
      out.push_back({"add-last", "dns-host", dns_host_xml(ip, names)});
  }
  return out;
}

}  // namespace virtplan::net
