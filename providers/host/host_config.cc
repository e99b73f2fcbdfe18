#include "providers/host/host_config.h"

#include "providers/base/plain_text.h"

#include <fmt/format.h>

namespace virtplan::providers {

std::string host_address_key(const HostConfig& host) {
  if (host.local) return "local";
  if (host.hostname.empty()) return {};
  const std::string name = lowercase(host.hostname);
  const bool ipv6 = name.find(':') != std::string::npos;
  return fmt::format("ssh://{}@{}{}{}:{}", host.user, ipv6 ? "[" : "", name, ipv6 ? "]" : "", host.port);
}

}  // namespace virtplan::providers
