#include "net/network_kind.h"

#include "net/network_actuator.h"
#include "net/network_parser.h"
#include "net/network_reader.h"
#include "net/network_spec.h"
#include "net/network_stack_writer.h"
#include "net/network_xml.h"

#include <fmt/format.h>

namespace virtplan::net {
namespace {

using nlohmann::json;
using providers::Diagnostics;
using providers::fail;
using providers::Impact;
using providers::Result;
using providers::Spec;
using providers::StackObject;
using providers::XmlDocument;

// What net-update changes live, see libvirt-facts.md; the rest needs the
// network redefined and restarted.
constexpr providers::FieldRule k_network_rules[] = {
    {"/ipv4/dhcp/hosts/**", Impact::live, network_live::net_update},
    {"/ipv4/dhcp/range/**", Impact::live, network_live::net_update},
    {"/dns/hosts/**", Impact::live, network_live::net_update},
    {"/autostart", Impact::live, network_live::autostart},
    {"/**", Impact::restart},
};

std::vector<const StackObject*> other_networks(const StackObject& object, const providers::StackIndex& all) {
  std::vector<const StackObject*> others;
  for (const StackObject* other : all.on_host("network", object.id.host)) {
    if (other->id != object.id) others.push_back(other);
  }
  return others;
}

std::optional<Ipv4Cidr> subnet_of(const Spec& spec) {
  if (!spec.contains("ipv4")) return std::nullopt;
  return Ipv4Cidr::parse(spec["ipv4"].value("address", ""));
}

void check_subnet(const StackObject& object, const StackObject& other, Diagnostics& diags) {
  auto mine = subnet_of(object.spec);
  auto theirs = subnet_of(other.spec);
  if (!mine || !theirs || !mine->overlaps(*theirs)) return;
  diags.add(object.location("/ipv4/address"),
            fmt::format("{}: subnet {} overlaps {} of {} ({})", object.id.address(), mine->subnet_str(),
                        theirs->subnet_str(), other.id.address(), other.location("/ipv4/address").str()));
}

void check_bridge(const StackObject& object, const StackObject& other, Diagnostics& diags) {
  if (!object.spec.contains("bridge") || object.spec["bridge"] != other.spec.value("bridge", json())) {
    return;
  }
  // Several bridge-mode networks may well name one host bridge; a bridge that
  // libvirt creates belongs to one network only.
  if (object.spec["mode"] == "bridge" && other.spec["mode"] == "bridge") return;
  diags.add(object.location("/bridge"),
            fmt::format("{}: bridge {} is also used by {} ({})", object.id.address(),
                        object.spec["bridge"].get<std::string>(), other.id.address(),
                        other.location("/bridge").str()));
}

const json& dhcp_hosts(const Spec& spec) {
  static const json k_none = json::object();
  if (!spec.contains("ipv4") || !spec["ipv4"].contains("dhcp")) return k_none;
  return spec["ipv4"]["dhcp"]["hosts"];
}

// A MAC with static leases in two networks of one host is a mistake: the NIC
// is on one of them. A lease for a domain NIC's MAC is normal (that is what
// static leases are for), so domains are not compared here.
void check_macs(const StackObject& object, const StackObject& other, Diagnostics& diags) {
  const json& theirs = dhcp_hosts(other.spec);
  for (const auto& [mac, entry] : dhcp_hosts(object.spec).items()) {
    if (!theirs.contains(mac)) continue;
    std::string pointer = "/ipv4/dhcp/hosts/" + mac;
    diags.add(object.location(pointer),
              fmt::format("{}: duplicate MAC {} on host {}: also a DHCP host of {} ({})", object.id.address(),
                          mac, object.id.host, other.id.address(), other.location(pointer).str()));
  }
}

}  // namespace

void NetworkKind::parse(providers::YamlMap& map, StackObject& object, Diagnostics& diags) const {
  parse_network(map, object, diags);
}

std::vector<providers::Reference> NetworkKind::references(const StackObject&) const { return {}; }

void NetworkKind::check(const StackObject& object, const providers::StackIndex& all,
                        Diagnostics& diags) const {
  for (const StackObject* other : other_networks(object, all)) {
    check_subnet(object, *other, diags);
    check_bridge(object, *other, diags);
    check_macs(object, *other, diags);
  }
}

Result<std::string> NetworkKind::create_xml(const StackObject& object) const {
  auto spec = providers::typed_spec<NetworkSpec>(object);
  if (!spec) return fail(spec.error());
  return build_network_xml(*spec, object.id.name, object.stack).to_string();
}

Result<json> NetworkKind::to_stack(const Spec& spec) const { return network_to_stack(spec); }

Result<Spec> NetworkKind::parse_xml(const std::string& xml) const {
  return providers::read_xml_as_json(xml, "network", read_network_xml);
}

Result<std::string> NetworkKind::update_xml(const std::string& current_xml, const StackObject& object) const {
  auto spec = providers::typed_spec<NetworkSpec>(object);
  if (!spec) return fail(spec.error());
  auto document = XmlDocument::parse(current_xml, object.id.address());
  if (!document) return fail(document.error());
  update_network_xml(*document, *spec, object.stack);
  return document->to_string();
}

std::vector<providers::Hold> NetworkKind::holds(const providers::ObjectId& id, const Spec& observed,
                                                bool replacing) const {
  std::vector<providers::Hold> out;
  if (replacing || !observed.is_object() || !observed.contains("used_by")) return out;
  for (const json& user : observed["used_by"]) {
    out.push_back({providers::ObjectId{"domain", user.value("domain", ""), id.host},
                   fmt::format("interface {}{}", user.value("interface", "?"),
                               user.value("running", false) ? ", running" : ""),
                   providers::Hold::Forceable::yes});
  }
  return out;
}

Spec NetworkKind::reconcile(const Spec& desired, const Spec& observed) const {
  Spec out = desired;
  if (!out.contains("bridge") && observed.contains("bridge")) {
    out["bridge"] = observed["bridge"];
  }
  return out;
}

const providers::FieldRules& NetworkKind::field_rules() const { return network_field_rules(); }

const providers::FieldRules& network_field_rules() {
  static constexpr providers::FieldRules k_table{k_network_rules};
  return k_table;
}

const NetworkKind& network_kind() {
  static const NetworkKind k_network;
  return k_network;
}

const providers::KindEntry& network_entry() {
  return providers::kind_entry<NetworkReader, NetworkActuator>(network_kind());
}

std::string NetworkKind::summary(const Spec& spec) const {
  std::string text = spec.value("mode", "nat");
  if (spec.contains("ipv4")) text += " " + spec["ipv4"].value("address", "");
  if (spec.contains("bridge")) text += ", bridge " + spec["bridge"].get<std::string>();
  return text;
}

}  // namespace virtplan::net
