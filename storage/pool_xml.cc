#include "storage/pool_xml.h"

#include <fmt/format.h>

namespace virtplan::storage {
namespace {

using providers::ErrorCode;
using providers::fail;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

// iSCSI pools name their target in <device path>, other types a block device.
bool device_is_iqn(PoolType type) { return type == PoolType::iscsi || type == PoolType::iscsi_direct; }

void add_adapter(XmlNode source, const PoolAdapter& adapter) {
  XmlNode node = source.add_child("adapter");
  node.set_attr("type", adapter.type);
  if (adapter.name) node.set_attr("name", *adapter.name);
  if (adapter.parent) node.set_attr("parent", *adapter.parent);
  if (adapter.wwnn) node.set_attr("wwnn", *adapter.wwnn);
  if (adapter.wwpn) node.set_attr("wwpn", *adapter.wwpn);
}

void add_source(XmlNode root, const PoolSpec& spec) {
  const PoolSource& source = spec.source;
  XmlNode node = root.add_child("source");
  if (source.host) {
    XmlNode host = node.add_child("host");
    host.set_attr("name", *source.host);
    if (source.port) host.set_attr("port", std::to_string(*source.port));
  }
  for (const auto& device : source.devices) node.add_child("device").set_attr("path", device);
  if (source.iqn) node.add_child("device").set_attr("path", *source.iqn);
  if (source.dir) node.add_child("dir").set_attr("path", *source.dir);
  if (source.adapter) add_adapter(node, *source.adapter);
  if (source.name) node.add_child("name").set_text(*source.name);
  if (source.format) node.add_child("format").set_attr("type", *source.format);
  if (source.initiator) {
    node.add_child("initiator").add_child("iqn").set_attr("name", *source.initiator);
  }
}

PoolAdapter read_adapter(XmlNode node) {
  PoolAdapter adapter;
  adapter.type = node.attr("type").value_or("scsi_host");
  adapter.name = node.attr("name");
  adapter.parent = node.attr("parent");
  adapter.wwnn = node.attr("wwnn");
  adapter.wwpn = node.attr("wwpn");
  return adapter;
}

PoolSource read_source(XmlNode node, PoolType type) {
  PoolSource source;
  if (auto host = node.child("host")) {
    source.host = host->attr("name");
    if (auto port = host->attr("port")) source.port = std::atoi(port->c_str());
  }
  for (XmlNode device : node.children("device")) {
    auto path = device.attr("path").value_or("");
    if (device_is_iqn(type)) {
      source.iqn = path;
    } else {
      source.devices.push_back(path);
    }
  }
  if (auto dir = node.child("dir")) source.dir = dir->attr("path");
  if (auto adapter = node.child("adapter")) source.adapter = read_adapter(*adapter);
  if (auto name = node.child("name")) source.name = name->text();
  if (auto format = node.child("format")) source.format = format->attr("type");
  if (auto initiator = node.child("initiator")) {
    if (auto iqn = initiator->child("iqn")) source.initiator = iqn->attr("name");
  }
  return source;
}

}  // namespace

XmlDocument build_pool_xml(const PoolSpec& spec, const std::string& name) {
  XmlDocument document = XmlDocument::create("pool");
  XmlNode root = document.root();
  root.set_attr("type", to_string(spec.type));
  root.add_child("name").set_text(name);
  add_source(root, spec);
  if (spec.path && pool_has_target(spec.type)) {
    root.add_child("target").add_child("path").set_text(*spec.path);
  }
  return document;
}

Result<PoolSpec> read_pool_xml(const XmlDocument& document) {
  XmlNode root = document.root();
  if (root.name() != "pool") {
    return fail(ErrorCode::invalid, fmt::format("expected <pool>, got <{}>", root.name()));
  }
  std::string text = root.attr("type").value_or("");
  auto type = pool_type_from_string(text);
  if (!type) {
    return fail(ErrorCode::invalid, fmt::format("pool type '{}' is not one virtplan manages", text));
  }
  PoolSpec spec;
  spec.type = *type;
  auto source = root.child("source");
  auto adapter = source ? source->child("adapter") : std::nullopt;
  // A scsi_host adapter named by its parent's PCI address has no name a
  // stack could give: the pool cannot be declared.
  if (adapter && adapter->child("parentaddr") && !adapter->attr("name")) {
    return fail(ErrorCode::invalid,
                "a scsi_host adapter given by its parent's PCI address (<parentaddr>) is not one virtplan "
                "manages (it takes the adapter by name)");
  }
  if (source) spec.source = read_source(*source, *type);
  if (auto target = root.child("target")) {
    if (auto path = target->child("path")) spec.path = path->text();
  }
  return spec;
}

}  // namespace virtplan::storage
