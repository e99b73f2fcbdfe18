#include "providers/host_connections.h"

#include "providers/transport_factory.h"

#include <future>

namespace virtplan::providers {

namespace {

struct Reached {
  Result<std::unique_ptr<Transport>> transport;
  std::optional<HostIdentity> identity;
};

Reached reach(const HostConfig& host, const HostConnections::TransportMaker& connect) {
  auto transport = connect(host);
  if (!transport) return Reached{std::unexpected(transport.error()), std::nullopt};
  auto identity = read_host_identity(host, **transport);
  if (!identity) return Reached{std::unexpected(identity.error()), std::nullopt};
  return Reached{std::move(transport), std::move(*identity)};
}

}  // namespace

HostConnections::HostConnections(const std::map<std::string, HostConfig>& hosts)
    : HostConnections(hosts, make_transport) {}

HostConnections::HostConnections(const std::map<std::string, HostConfig>& hosts, const TransportMaker& connect)
    : m_connect(connect) {
  std::map<std::string, std::future<Reached>> reaching;
  for (const auto& [name, host] : hosts) {
    reaching.emplace(name, std::async(std::launch::async, reach, std::cref(host), std::cref(m_connect)));
  }
  std::map<std::string, HostIdentity> identities;
  for (auto& [name, future] : reaching) {
    Reached reached = future.get();
    if (reached.identity) identities.emplace(name, std::move(*reached.identity));
    m_transports.emplace(name, std::move(reached.transport));
  }
  m_same_hypervisor = same_hypervisor_errors(identities);
}

Result<std::unique_ptr<Transport>> HostConnections::take(const HostConfig& host) {
  std::unique_lock lock(m_mutex);
  auto found = m_transports.find(host.name);
  if (found == m_transports.end()) {
    lock.unlock();
    return m_connect(host);
  }
  Result<std::unique_ptr<Transport>> taken = std::move(found->second);
  if (taken) {
    m_transports.erase(found);  // handed over: a second take connects anew
  } else {
    found->second = std::unexpected(taken.error());  // the same error again
  }
  return taken;
}

}  // namespace virtplan::providers
