#include "kvm/domain_device_ref.h"

#include "kvm/domain_xml_reader.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using providers::XmlNode;

namespace {

const char* element_name(DomainDeviceRef::Type type) {
  switch (type) {
    case DomainDeviceRef::Type::disk:
      return "disk";
    case DomainDeviceRef::Type::interface:
      return "interface";
    case DomainDeviceRef::Type::hostdev:
      return "hostdev";
    case DomainDeviceRef::Type::graphics:
      return "graphics";
  }
  return "disk";
}

std::optional<std::string> key_of(DomainDeviceRef::Type type, XmlNode element) {
  switch (type) {
    case DomainDeviceRef::Type::disk:
      return DomainXmlReader::disk_key(element);
    case DomainDeviceRef::Type::interface:
      return DomainXmlReader::interface_key(element);
    case DomainDeviceRef::Type::hostdev:
      return DomainXmlReader::hostdev_key(element);
    case DomainDeviceRef::Type::graphics:
      return std::string();  // one console: the first is the one the spec reads
  }
  return std::nullopt;
}

}  // namespace

std::string DomainDeviceRef::describe() const {
  switch (type) {
    case Type::disk:
      return "disk " + key;
    case Type::interface:
      return "NIC " + key;
    case Type::hostdev:
      return "host device " + key;
    case Type::graphics:
      return "graphics console";
  }
  return key;
}

std::optional<XmlNode> DomainDeviceRef::find(const providers::XmlDocument& domain) const {
  auto devices = domain.root().child("devices");
  if (!devices) return std::nullopt;
  for (XmlNode element : devices->children(element_name(type))) {
    if (key_of(type, element) == key) return element;
  }
  return std::nullopt;
}

std::set<std::string> DomainDeviceRef::keys(const providers::XmlDocument& domain, Type type) {
  std::set<std::string> out;
  auto devices = domain.root().child("devices");
  if (!devices) return out;
  for (XmlNode element : devices->children(element_name(type))) {
    if (auto key = key_of(type, element)) out.insert(*key);
  }
  return out;
}

}  // namespace virtplan::kvm
