#include "net/network_nic_reattacher.h"

#include "providers/base/plain_text.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

namespace virtplan::net {

using providers::ErrorCode;
using providers::HostSession;
using providers::Result;
using providers::StepLog;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

std::optional<std::string> mac_of(XmlNode nic) {
  auto mac = nic.child("mac");
  if (!mac || !mac->attr("address")) return std::nullopt;
  return providers::lowercase(*mac->attr("address"));
}

std::optional<XmlNode> nic_by_mac(const XmlDocument& domain, const std::string& mac) {
  auto devices = domain.root().child("devices");
  if (!devices) return std::nullopt;
  for (XmlNode nic : devices->children("interface")) {
    if (mac_of(nic) == mac) return nic;
  }
  return std::nullopt;
}

// The NIC's element with its source replaced: a plain bridge, or the network.
std::string with_source(const std::string& nic_xml, const std::string& type, const std::string& name) {
  auto document = XmlDocument::parse(nic_xml, "interface");
  if (!document) return nic_xml;
  XmlNode nic = document->root();
  nic.set_attr("type", type);
  if (auto source = nic.child("source")) source->remove();
  nic.add_child("source").set_attr(type, name);
  return document->to_string();
}

Result<std::string> bridge_of(HostSession& host, const std::string& network, const StepLog& log) {
  auto xml = host.virsh().run({"net-dumpxml", "--network", network});
  if (!xml) return providers::fail(log.failure("net-dumpxml", xml.error(), "guests not reconnected"));
  auto document = XmlDocument::parse(*xml, log.id().address());
  if (!document) return providers::fail(document.error().with_context(log.id().address()));
  auto bridge = document->root().child("bridge");
  if (!bridge || !bridge->attr("name")) {
    return providers::fail(
        log.failure(ErrorCode::other, "the restarted network has no bridge", "guests not reconnected"));
  }
  return *bridge->attr("name");
}

// The bridge the tap of `domain`'s NIC `mac` is enslaved to, "" when none.
Result<std::string> master_of(HostSession& host, const std::string& domain, const std::string& mac,
                              const StepLog& log) {
  auto xml = host.virsh().run({"dumpxml", "--domain", domain});
  if (!xml) return providers::fail(log.failure("dumpxml", xml.error(), "reconnection not verified"));
  auto document = XmlDocument::parse(*xml, domain);
  if (!document) return providers::fail(document.error());
  auto nic = nic_by_mac(*document, mac);
  auto target = nic ? nic->child("target") : std::nullopt;
  auto dev = target ? target->attr("dev") : std::nullopt;
  if (!dev) return std::string();
  providers::Command readlink;
  readlink.argv = {"readlink", "/sys/class/net/" + *dev + "/master"};
  auto link = host.transport().run(readlink);
  if (!link) return providers::fail(link.error().with_context(log.id().address()));
  if (link->exit_status != 0) return std::string();
  const auto lines = providers::lines_of(link->out);
  const std::string path(lines.empty() ? "" : lines.front());
  return path.substr(path.rfind('/') + 1);
}

}  // namespace

Result<std::vector<NetworkNicReattacher::Nic>> NetworkNicReattacher::find(HostSession& host,
                                                                          const std::string& network,
                                                                          const StepLog& log) {
  std::vector<Nic> nics;
  auto names = host.virsh().run({"list", "--name"});
  if (!names) return providers::fail(log.failure("list", names.error(), "nothing changed"));
  std::vector<std::string> domains;  // in the listing's order
  for (std::string_view line : providers::lines_of(*names)) {
    if (!providers::trimmed(line).empty()) domains.emplace_back(providers::trimmed(line));
  }
  std::vector<std::vector<std::string>> dumps;
  for (const auto& name : domains) dumps.push_back({"dumpxml", "--domain", name});
  auto xmls = host.virsh().batch(dumps);
  for (std::size_t i = 0; i < domains.size(); ++i) {
    // A domain that stopped since the list has no NIC to reconnect.
    if (!xmls[i]) continue;
    auto document = XmlDocument::parse(*xmls[i], domains[i]);
    if (!document) continue;
    auto devices = document->root().child("devices");
    if (!devices) continue;
    for (XmlNode nic : devices->children("interface")) {
      auto source = nic.child("source");
      auto mac = mac_of(nic);
      if (nic.attr("type") != "network" || !source || source->attr("network") != network || !mac) continue;
      nics.push_back(Nic{domains[i], *mac, nic.to_string()});
    }
  }
  return nics;
}

Result<void> NetworkNicReattacher::reattach(HostSession& host, const std::string& network,
                                            const std::vector<Nic>& nics, StepLog& log) {
  if (nics.empty()) return {};
  auto bridge = bridge_of(host, network, log);
  if (!bridge) return providers::fail(bridge.error());
  for (const Nic& nic : nics) {
    for (const auto& [type, name] :
         {std::pair<std::string, std::string>{"bridge", *bridge}, {"network", network}}) {
      auto updated =
          host.virsh().run({"update-device", "--domain", nic.domain, "--file", "/dev/stdin", "--live"},
                           with_source(nic.xml, type, name));
      if (!updated) {
        return providers::fail(
            log.failure("update-device", updated.error(),
                        fmt::format("NIC {} of domain {} not reconnected", nic.mac, nic.domain)));
      }
    }
    auto master = master_of(host, nic.domain, nic.mac, log);
    if (!master) return providers::fail(master.error());
    if (*master != *bridge) {
      return providers::fail(log.failure(
          ErrorCode::other, fmt::format("NIC {} of domain {} is on bridge '{}' after reconnecting, not '{}'",
                                        nic.mac, nic.domain, *master, *bridge)));
    }
    log.done(fmt::format("domain {} reconnected", nic.domain));
  }
  return {};
}

}  // namespace virtplan::net
