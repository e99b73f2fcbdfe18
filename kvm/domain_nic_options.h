#pragma once

// NicOptions are the settings of one NIC beyond its source and model: a
// VLAN, an Open vSwitch port, bandwidth limits and the MTU. Each is an
// optional key of the NIC's canonical spec (DomainSpec::Interface), in this
// form:
//   vlan         {"tags": [ID...], "trunk": BOOL, "native"?: {"tag": ID,
//                "mode": "tagged"|"untagged"}} (IDs 0..4095); `vlan: 42` is
//                one tag, `vlan: [10, 20]` a trunk
//   virtualport  {"type": "openvswitch", "interfaceid"?: UUID, "profileid"?: NAME}
//   bandwidth    {"inbound"?: RATE, "outbound"?: RATE}, a RATE {"average":
//                KiB/s, "peak"?: KiB/s, "burst"?: KiB, "floor"?: KiB/s (inbound
//                of a `network:` NIC only)}
//   mtu          68..65535
// `false` for any of them: the NIC has none (an update removes it). A key
// the stack leaves out is not managed: reconcile() takes the domain's value
// (DomainReconciler), an update keeps the element, and a NIC read from XML
// has each key whose element it holds in a form the spec can state (a
// virtualport of another type is left out: unmanaged, kept).
//
// Where libvirt 9.0 accepts them (measured on the lab, README): a vlan only on
// a `network:` NIC, on a bridge with `virtualport: openvswitch` or on a
// macvtap NIC in passthrough mode (libvirt refuses it at start on any other
// connection: "vlan tag not supported for this connection type"); an MTU
// not on a macvtap NIC (libvirt refuses it at define).

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace virtplan::providers {
class XmlNode;
}

namespace virtplan::kvm {

struct NicOptions {
  std::map<std::string, nlohmann::json, std::less<>> declared;  // by key, canonical

  // The keys, in the order the docs list them.
  static std::span<const std::string_view> keys();
  // A stack's value of `key` in canonical form, or why it is wrong.
  static std::expected<nlohmann::json, std::string> canonical(std::string_view key,
                                                              const nlohmann::json& value);
  // Whether the options fit a NIC of this connection ("network", "bridge",
  // "direct"; `mode` the macvtap mode), or why not.
  std::optional<std::string> check(std::string_view type, std::string_view mode) const;

  // Adds the declared keys to a NIC's canonical JSON.
  void put(nlohmann::json& nic) const;
  // The declared keys of a NIC's canonical JSON, checked; the message names the key.
  static std::expected<NicOptions, std::string> from_json(const nlohmann::json& nic);
  // Reads each key of a stack's NIC map, reporting bad values where they are.
  static NicOptions read_yaml(providers::YamlMap& map, providers::Diagnostics& diags);

  // The keys an <interface> element states in the spec's terms.
  static NicOptions read_xml(providers::XmlNode interface);
  // Writes each declared key into an <interface> element: `false` removes
  // the element, a value replaces it (in place, for a virtualport: its
  // other attributes stay); keys not declared are left as they are.
  void write_xml(providers::XmlNode interface) const;

  const nlohmann::json* find(std::string_view key) const;
  bool operator==(const NicOptions&) const = default;
};

}  // namespace virtplan::kvm
