#include "kvm/domain_owner.h"

#include "providers/xml/document.h"
#include "providers/xml/owner_marker.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

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

namespace {

// The owner element's attributes and children; the children in `ns`, or in
// no namespace when it is null (for `virsh metadata --set`, which puts the
// whole element into the namespace it is given and refuses one that
// declares it already).
void fill(const DomainOwner& from, XmlNode owner, const providers::XmlNamespace* ns) {
  owner.set_attr("stack", from.stack);
  owner.set_attr("restart", from.restart);
  owner.set_attr("hotplug-slots", std::to_string(from.hotplug_slots));
  if (from.wait) {
    owner.set_attr("wait-ip", from.wait->ip ? "true" : "false");
    owner.set_attr("wait-timeout", std::to_string(from.wait->timeout));
  }
  if (from.shutdown_timeout) owner.set_attr("shutdown-timeout", std::to_string(*from.shutdown_timeout));
  auto add = [&](std::string_view name) { return ns ? owner.add_child(name, *ns) : owner.add_child(name); };
  if (from.cloud_init) add("cloud-init").set_text(from.cloud_init->dump());
  for (const auto& patch : from.xml) {
    bool set = patch.op == DomainSpec::XmlPatch::Op::set;
    XmlNode node = add(set ? "set" : "remove");
    node.set_attr("path", patch.path);
    if (set) node.set_attr("value", patch.value);
  }
}

}  // namespace

void DomainOwner::write(XmlNode domain) const {
  XmlNode metadata = domain.ensure_child("metadata");
  if (auto old = metadata.child("owner", xml_namespace())) old->remove();
  fill(*this, metadata.add_child("owner", xml_namespace()), &xml_namespace());
}

namespace {

// One UTF-8 sequence's code point and length; libxml2 writes valid UTF-8.
std::pair<char32_t, std::size_t> code_point(std::string_view text) {
  const auto first = static_cast<unsigned char>(text[0]);
  const std::size_t length = first < 0xE0 ? 2 : first < 0xF0 ? 3 : 4;
  if (first < 0x80 || length > text.size()) return {first, 1};
  char32_t value = first & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i)
    value = (value << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  return {value, length};
}

// `xml` as one line of printable ASCII: the newlines that format it between
// elements dropped, and every other character outside printable ASCII (a
// newline in a text, user-data's non-ASCII letters) written as a character
// reference, which an XML parser reads back as that same character.
std::string printable_ascii_xml(std::string_view xml) {
  std::string out;
  while (!xml.empty()) {
    if (xml.front() == '\n' && (out.empty() || out.back() == '>')) {
      const std::size_t next = xml.find_first_not_of(' ', 1);
      if (next == std::string_view::npos ||
          xml[next] == '<') {  // formatting: nothing but spaces to the next tag
        xml.remove_prefix(next == std::string_view::npos ? xml.size() : next);
        continue;
      }
    }
    const auto [value, length] = code_point(xml);
    if (value >= 0x20 && value < 0x7F) {
      out += static_cast<char>(value);
    } else {
      out += "&#x" + fmt::format("{:x}", static_cast<unsigned>(value)) + ";";
    }
    xml.remove_prefix(length);
  }
  return out;
}

}  // namespace

std::string DomainOwner::unqualified_xml() const {
  auto document = providers::XmlDocument::create("owner");
  fill(*this, document.root(), nullptr);
  return printable_ascii_xml(document.root().to_string());
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
    owner.wait =
        DomainSpec::Wait{*ip == "true", std::atoi(element->attr("wait-timeout").value_or("120").c_str())};
  }
  if (auto seconds = element->attr("shutdown-timeout")) owner.shutdown_timeout = std::atoi(seconds->c_str());
  if (auto data = element->child("cloud-init", xml_namespace())) {
    auto parsed = nlohmann::json::parse(data->text(), nullptr, false);
    if (!parsed.is_discarded()) owner.cloud_init = parsed;
  }
  for (XmlNode node : element->children()) {
    if (node.namespace_uri() != xml_namespace().uri) continue;
    if (node.name() == "set") {
      owner.xml.push_back(
          {DomainSpec::XmlPatch::Op::set, node.attr("path").value_or(""), node.attr("value").value_or("")});
    } else if (node.name() == "remove") {
      owner.xml.push_back({DomainSpec::XmlPatch::Op::remove, node.attr("path").value_or(""), ""});
    }
  }
  return owner;
}

}  // namespace virtplan::kvm
