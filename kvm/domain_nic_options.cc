#include "kvm/domain_nic_options.h"

#include "kvm/domain_yaml_reader.h"
#include "kvm/spec_checks.h"
#include "providers/xml/node.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cstdlib>
#include <regex>
#include <set>
#include <vector>

namespace virtplan::kvm {

using nlohmann::json;
using providers::XmlNode;

// In a namespace of its own: the unity build puts this file beside others
// whose unnamed namespaces have helpers of the same names.
namespace {
namespace nic_opts {

using Canonical = std::expected<json, std::string>;

bool whole_in(const json& value, long long low, long long high) {
  return value.is_number_integer() && value.get<long long>() >= low && value.get<long long>() <= high;
}

Canonical vlan_tag(const json& value) {
  if (!whole_in(value, 0, 4095)) return wrong(fmt::format("vlan tag {}: expected 0 to 4095", value.dump()));
  return value;
}

// `vlan: 42`, `vlan: [10, 20]` (a trunk), or {tags, trunk?, native?, native_mode?}.
Canonical vlan(const json& value) {
  json in = value;
  if (value.is_number()) in = {{"tags", json::array({value})}};
  if (value.is_array()) in = {{"tags", value}};
  if (!in.is_object()) return wrong("vlan: expected false, a tag, a list of tags or a map with tags");
  if (auto bad = unknown_key(in, {"tags", "trunk", "native", "native_mode"}, "vlan")) return wrong(*bad);
  if (!in.contains("tags") || !in.at("tags").is_array() || in.at("tags").empty())
    return wrong("vlan: tags is required (a list of VLAN IDs)");
  json tags = json::array();
  std::set<long long> seen;
  for (const json& tag : in.at("tags")) {
    auto checked = vlan_tag(tag);
    if (!checked) return checked;
    if (!seen.insert(tag.get<long long>()).second)
      return wrong(fmt::format("vlan tag {} is listed twice", tag.dump()));
    tags.push_back(tag);
  }
  // libvirt: more than one tag is a trunk ("trunk='no' but multiple tags").
  bool trunk = tags.size() > 1;
  if (in.contains("trunk")) {
    if (!in.at("trunk").is_boolean()) return wrong("vlan trunk: expected true or false");
    if (!in.at("trunk").get<bool>() && tags.size() > 1)
      return wrong("vlan: more than one tag is a trunk (trunk: false needs exactly one tag)");
    trunk = in.at("trunk").get<bool>();
  }
  json out = {{"tags", tags}, {"trunk", trunk}};
  if (in.contains("native_mode") && !in.contains("native"))
    return wrong("vlan native_mode needs native (a tag)");
  // The canonical form's native is {tag, mode}: read back as the stack's.
  if (in.contains("native") && in.at("native").is_object()) {
    const json native = in.at("native");
    if (auto bad = unknown_key(native, {"tag", "mode"}, "vlan native")) return wrong(*bad);
    in["native"] = native.value("tag", json());
    in["native_mode"] = native.value("mode", json("untagged"));
  }
  if (in.contains("native")) {
    auto tag = vlan_tag(in.at("native"));
    if (!tag) return tag;
    if (!seen.contains(tag->get<long long>()))
      return wrong(fmt::format("vlan native {}: must be one of the tags", tag->dump()));
    if (!trunk) return wrong("vlan native: a native VLAN needs a trunk (trunk: true)");
    std::string mode = in.value("native_mode", json("untagged")).is_string()
                           ? in.value("native_mode", std::string("untagged"))
                           : std::string();
    if (mode != "tagged" && mode != "untagged") return wrong("vlan native_mode: expected tagged or untagged");
    out["native"] = {{"tag", *tag}, {"mode", mode}};
  }
  return out;
}

const std::regex k_uuid(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");

Canonical virtualport(const json& value) {
  json in = value.is_string() ? json{{"type", value}} : value;
  if (!in.is_object()) return wrong("virtualport: expected false, openvswitch or a map with type");
  if (auto bad = unknown_key(in, {"type", "interfaceid", "profileid"}, "virtualport")) return wrong(*bad);
  if (in.value("type", json()) != "openvswitch")
    return wrong("virtualport type: expected openvswitch (the only port type virtplan manages)");
  json out = {{"type", "openvswitch"}};
  if (in.contains("interfaceid")) {
    const json& id = in.at("interfaceid");
    if (!id.is_string() || !std::regex_match(id.get<std::string>(), k_uuid))
      return wrong("virtualport interfaceid: expected a UUID");
    std::string lower = id.get<std::string>();
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out["interfaceid"] = lower;
  }
  if (in.contains("profileid")) {
    const json& id = in.at("profileid");
    if (!id.is_string() || id.get<std::string>().empty())
      return wrong("virtualport profileid: expected a name");
    out["profileid"] = id;
  }
  return out;
}

Canonical rate(const json& value, std::string_view direction) {
  if (!value.is_object()) return wrong(fmt::format("bandwidth {}: expected a map with average", direction));
  std::set<std::string> known = {"average", "peak", "burst"};
  if (direction == "inbound") known.insert("floor");
  if (auto bad = unknown_key(value, known, fmt::format("bandwidth {}", direction))) return wrong(*bad);
  // libvirt: "Missing mandatory average or floor attributes".
  if (!value.contains("average") && !value.contains("floor"))
    return wrong(fmt::format("bandwidth {}: average is required (KiB/s)", direction));
  json out = json::object();
  for (const std::string& key : known) {
    if (!value.contains(key)) continue;
    // libvirt reads each as an unsigned number of KiB/s (KiB for burst).
    if (!whole_in(value.at(key), 0, 4294967295LL))
      return wrong(fmt::format("bandwidth {} {}: expected a whole number of KiB{}", direction, key,
                               key == "burst" ? "" : "/s"));
    out[key] = value.at(key);
  }
  return out;
}

Canonical bandwidth(const json& value) {
  if (!value.is_object()) return wrong("bandwidth: expected false or a map with inbound and/or outbound");
  if (auto bad = unknown_key(value, {"inbound", "outbound"}, "bandwidth")) return wrong(*bad);
  if (value.empty()) return wrong("bandwidth: give inbound and/or outbound");
  json out = json::object();
  for (const char* direction : {"inbound", "outbound"}) {
    if (!value.contains(direction)) continue;
    auto checked = rate(value.at(direction), direction);
    if (!checked) return checked;
    out[direction] = *checked;
  }
  return out;
}

Canonical mtu(const json& value) {
  // libvirt takes any non-zero size; Linux refuses an MTU under 68 (IPv4's
  // minimum) or over 65535 when the domain starts.
  if (!whole_in(value, 68, 65535)) return wrong(fmt::format("mtu {}: expected 68 to 65535", value.dump()));
  return value;
}

struct OptionKey {
  std::string_view key;
  Canonical (*canonical)(const json&);
};

constexpr OptionKey k_keys[] = {
    {"vlan", vlan},
    {"virtualport", virtualport},
    {"bandwidth", bandwidth},
    {"mtu", mtu},
};

std::optional<json> number_attr(XmlNode element, const char* name) {
  auto text = element.attr(name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0') return std::nullopt;
  return json(value);
}

std::optional<json> read_vlan(XmlNode interface) {
  auto element = interface.child("vlan");
  if (!element) return std::nullopt;
  json tags = json::array();
  json native;
  for (XmlNode tag : element->children("tag")) {
    auto id = number_attr(tag, "id");
    if (!id) return std::nullopt;
    tags.push_back(*id);
    if (auto mode = tag.attr("nativeMode")) native = {{"tag", *id}, {"mode", *mode}};
  }
  if (tags.empty()) return std::nullopt;
  json out = {{"tags", tags}, {"trunk", element->attr("trunk") == "yes" || tags.size() > 1}};
  if (!native.is_null()) out["native"] = native;
  return out;
}

std::optional<json> read_virtualport(XmlNode interface) {
  auto element = interface.child("virtualport");
  if (!element || element->attr("type") != "openvswitch") return std::nullopt;  // another kind: unmanaged
  json out = {{"type", "openvswitch"}};
  if (auto parameters = element->child("parameters")) {
    if (auto id = parameters->attr("interfaceid")) out["interfaceid"] = *id;
    if (auto id = parameters->attr("profileid")) out["profileid"] = *id;
  }
  return out;
}

std::optional<json> read_bandwidth(XmlNode interface) {
  auto element = interface.child("bandwidth");
  if (!element) return std::nullopt;
  json out = json::object();
  for (const char* direction : {"inbound", "outbound"}) {
    auto limit = element->child(direction);
    if (!limit) continue;
    json one = json::object();
    for (const char* key : {"average", "peak", "burst", "floor"}) {
      if (auto value = number_attr(*limit, key)) one[key] = *value;
    }
    out[direction] = one;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<json> read_mtu(XmlNode interface) {
  auto element = interface.child("mtu");
  if (!element) return std::nullopt;
  return number_attr(*element, "size");
}

void write_vlan(XmlNode interface, const json& value) {
  XmlNode element = interface.add_child("vlan");
  if (value.at("trunk").get<bool>()) element.set_attr("trunk", "yes");
  for (const json& id : value.at("tags")) {
    XmlNode tag = element.add_child("tag");
    tag.set_attr("id", std::to_string(id.get<long long>()));
    if (value.contains("native") && value.at("native").at("tag") == id)
      tag.set_attr("nativeMode", value.at("native").at("mode").get<std::string>());
  }
}

// In place: libvirt fills in an interfaceid when the stack gives none, and
// keeps it from then on.
void write_virtualport(XmlNode interface, const json& value) {
  auto old = interface.child("virtualport");
  if (old && old->attr("type") != "openvswitch") {
    old->remove();
    old.reset();
  }
  XmlNode element = old ? *old : interface.add_child("virtualport");
  element.set_attr("type", "openvswitch");
  XmlNode parameters = element.ensure_child("parameters");
  for (const char* key : {"interfaceid", "profileid"}) {
    if (value.contains(key))
      parameters.set_attr(key, value.at(key).get<std::string>());
    else if (std::string_view(key) == "profileid")
      parameters.remove_attr(key);
  }
}

void write_bandwidth(XmlNode interface, const json& value) {
  XmlNode element = interface.add_child("bandwidth");
  for (const char* direction : {"inbound", "outbound"}) {
    if (!value.contains(direction)) continue;
    XmlNode limit = element.add_child(direction);
    for (const auto& item : value.at(direction).items())
      limit.set_attr(item.key(), std::to_string(item.value().get<long long>()));
  }
}

}  // namespace nic_opts
}  // namespace

std::span<const std::string_view> NicOptions::keys() {
  static const auto k_names = [] {
    std::array<std::string_view, std::size(nic_opts::k_keys)> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = nic_opts::k_keys[i].key;
    return out;
  }();
  return k_names;
}

nic_opts::Canonical NicOptions::canonical(std::string_view key, const json& value) {
  for (const nic_opts::OptionKey& entry : nic_opts::k_keys) {
    if (entry.key != key) continue;
    if (value.is_boolean() && !value.get<bool>()) return json(false);
    return entry.canonical(value);
  }
  return wrong(fmt::format("{}: not a NIC option", key));
}

std::optional<std::string> NicOptions::check(std::string_view type, std::string_view mode) const {
  const json* port = find("virtualport");
  const bool ovs = port && port->is_object();
  const json* tags = find("vlan");
  if (tags && tags->is_object()) {
    const bool fits =
        type == "network" || (type == "bridge" && ovs) || (type == "direct" && mode == "passthrough");
    if (!fits)
      return "vlan needs an Open vSwitch bridge (`virtualport: openvswitch`), a macvtap NIC in passthrough "
             "mode or a `network:` NIC (libvirt refuses a VLAN tag on a plain Linux bridge or another macvtap "
             "mode at start)";
    if (tags->contains("native") && !(type == "network" || ovs))
      return "vlan native: only Open vSwitch has a native VLAN";
  }
  const json* size = find("mtu");
  if (size && size->is_number() && type == "direct")
    return "mtu: libvirt 9.0 sets no MTU on a macvtap NIC (\"setting MTU on interface type direct is not "
           "supported yet\")";
  const json* limits = find("bandwidth");
  if (limits && limits->is_object() && limits->contains("inbound") &&
      limits->at("inbound").contains("floor") && type != "network")
    return "bandwidth inbound floor: only a `network:` NIC has one (libvirt)";
  return std::nullopt;
}

const json* NicOptions::find(std::string_view key) const {
  auto it = declared.find(key);
  return it == declared.end() ? nullptr : &it->second;
}

void NicOptions::put(json& nic) const {
  for (const auto& [key, value] : declared) nic[key] = value;
}

std::expected<NicOptions, std::string> NicOptions::from_json(const json& nic) {
  NicOptions out;
  for (std::string_view key : keys()) {
    if (!nic.contains(key)) continue;
    auto value = canonical(key, nic.at(key));
    if (!value) return std::unexpected(value.error());
    out.declared.emplace(std::string(key), std::move(*value));
  }
  return out;
}

NicOptions NicOptions::read_yaml(providers::YamlMap& map, providers::Diagnostics& diags) {
  NicOptions out;
  read_canonical_keys(map, diags, keys(), canonical,
                      [&](std::string_view key, json value, const providers::YamlValue&) {
                        out.declared.emplace(std::string(key), std::move(value));
                      });
  return out;
}

NicOptions NicOptions::read_xml(XmlNode interface) {
  NicOptions out;
  for (auto [key, reader] :
       {std::pair{"vlan", &nic_opts::read_vlan}, std::pair{"virtualport", &nic_opts::read_virtualport},
        std::pair{"bandwidth", &nic_opts::read_bandwidth}, std::pair{"mtu", &nic_opts::read_mtu}}) {
    if (auto value = reader(interface)) out.declared.emplace(key, std::move(*value));
  }
  return out;
}

void NicOptions::write_xml(XmlNode interface) const {
  for (const auto& [key, value] : declared) {
    if (key == "virtualport" && value.is_object()) {
      nic_opts::write_virtualport(interface, value);
      continue;
    }
    if (auto old = interface.child(key)) old->remove();
    if (!value.is_object() && !value.is_number()) continue;  // false: none
    if (key == "vlan") nic_opts::write_vlan(interface, value);
    if (key == "bandwidth") nic_opts::write_bandwidth(interface, value);
    if (key == "mtu") interface.add_child("mtu").set_attr("size", std::to_string(value.get<long long>()));
  }
}

}  // namespace virtplan::kvm
