#include "net/network_users.h"

#include "providers/xml/document.h"

#include <map>
#include <utility>

namespace virtplan::net {

using providers::Result;

Result<std::vector<NetworkUser>> read_network_users(const std::string& domain, const std::string& xml,
                                                    bool running) {
  auto document = providers::XmlDocument::parse(xml, domain);
  if (!document) return providers::fail(document.error());
  std::vector<NetworkUser> users;
  auto devices = document->root().child("devices");
  if (!devices) return users;
  for (const providers::XmlNode& nic : devices->children("interface")) {
    if (nic.attr("type") != "network") continue;
    auto source = nic.child("source");
    if (!source) continue;
    auto network = source->attr("network");
    if (!network || network->empty()) continue;
    std::string mac;
    if (auto address = nic.child("mac")) mac = address->attr("address").value_or("");
    users.push_back(NetworkUser{*network, domain, mac, running});
  }
  return users;
}

nlohmann::json network_used_by(const std::vector<NetworkUser>& users, const std::string& network) {
  std::map<std::pair<std::string, std::string>, bool> running;  // (domain, MAC) -> seen running
  for (const NetworkUser& user : users) {
    if (user.network != network) continue;
    running[{user.domain, user.mac}] |= user.running;
  }
  nlohmann::json used_by = nlohmann::json::array();
  for (const auto& [key, live] : running) {
    used_by.push_back({{"domain", key.first}, {"interface", key.second}, {"running", live}});
  }
  return used_by;
}

}  // namespace virtplan::net
