#include "kvm/domain_owner.h"

#include "providers/owner_marker.h"

namespace virtplan::kvm {

using providers::XmlNode;

const providers::XmlNamespace& DomainOwner::xml_namespace() { return providers::owner_namespace(); }

DomainOwner DomainOwner::from_spec(const DomainSpec& spec, std::string stack) {
  DomainOwner owner;
  owner.stack = std::move(stack);
  owner.restart = spec.restart.value_or("if-needed");
  owner.hotplug_slots = spec.hotplug_slots;
  owner.wait = spec.wait;
  owner.shutdown_timeout = spec.shutdown_timeout;
  owner.cloud_init = spec.cloud_init;
  owner.xml = spec.xml;
  return owner;
}

void DomainOwner::write(XmlNode domain) const {
  XmlNode metadata = domain.ensure_child("metadata");
  if (auto old = metadata.child("owner", xml_namespace())) old->remove();
  XmlNode owner = metadata.add_child("owner", xml_namespace());
  owner.set_attr("stack", stack);
  owner.set_attr("restart", restart);
  owner.set_attr("hotplug-slots", std::to_string(hotplug_slots));
  if (wait) {
    owner.set_attr("wait-ip", wait->ip ? "true" : "false");
    owner.set_attr("wait-timeout", std::to_string(wait->timeout));
  }
  if (shutdown_timeout) owner.set_attr("shutdown-timeout", std::to_string(*shutdown_timeout));
  if (cloud_init) owner.add_child("cloud-init", xml_namespace()).set_text(cloud_init->dump());
  for (const auto& patch : xml) {
    bool set = patch.op == DomainSpec::XmlPatch::Op::set;
    XmlNode node = owner.add_child(set ? "set" : "remove", xml_namespace());
    node.set_attr("path", patch.path);
    if (set) node.set_attr("value", patch.value);
  }
}

std::optional<DomainOwner> DomainOwner::read(XmlNode domain) {
  auto metadata = domain.child("metadata");
  if (!metadata) return std::nullopt;
  auto element = metadata->child("owner", xml_namespace());
  if (!element) return std::nullopt;
  DomainOwner owner;
  owner.stack = element->attr("stack").value_or("");
  owner.restart = element->attr("restart").value_or("if-needed");
  if (auto slots = element->attr("hotplug-slots")) owner.hotplug_slots = std::atoi(slots->c_str());
  if (auto ip = element->attr("wait-ip")) {
    owner.wait = DomainSpec::Wait{*ip == "true", std::atoi(element->attr("wait-timeout").value_or("120").c_str())};
  }
  if (auto seconds = element->attr("shutdown-timeout")) owner.shutdown_timeout = std::atoi(seconds->c_str());
  if (auto data = element->child("cloud-init", xml_namespace())) {
    auto parsed = nlohmann::json::parse(data->text(), nullptr, false);
    if (!parsed.is_discarded()) owner.cloud_init = parsed;
  }
  for (XmlNode node : element->children()) {
    if (node.namespace_uri() != xml_namespace().uri) continue;
    if (node.name() == "set") {
      owner.xml.push_back({DomainSpec::XmlPatch::Op::set, node.attr("path").value_or(""),
                           node.attr("value").value_or("")});
    } else if (node.name() == "remove") {
      owner.xml.push_back({DomainSpec::XmlPatch::Op::remove, node.attr("path").value_or(""), ""});
    }
  }
  return owner;
}

}  // namespace virtplan::kvm
