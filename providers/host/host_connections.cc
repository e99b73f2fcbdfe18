#include "providers/host/host_connections.h"

#include "providers/host/transport_factory.h"

namespace virtplan::providers {

namespace {

// A Transport that forwards to one HostConnections owns: the connection
// stays with HostConnections, whose identity read may still be using it
// when the command is done with its handle.
class BorrowedTransport final : public Transport {
public:
  explicit BorrowedTransport(Transport& owner) : m_owner(owner) {}

  Result<CommandOutput> run(const Command& command) override { return m_owner.run(command); }
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override {
    return m_owner.hold(command, ready_line);
  }
  bool can_stream() const override { return m_owner.can_stream(); }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override {
    return m_owner.stream(command, std::move(sink));
  }
  const std::string& host_name() const override { return m_owner.host_name(); }
  Result<void> connect() override { return m_owner.connect(); }
  std::string host_key() const override { return m_owner.host_key(); }

private:
  Transport& m_owner;
};

// A transport whose connection is up, or why it could not be made.
Result<std::unique_ptr<Transport>> connected(const HostConfig& host,
                                             const HostConnections::TransportMaker& connect) {
  auto transport = connect(host);
  if (!transport) return std::unexpected(transport.error());
  if (auto up = (*transport)->connect(); !up) return std::unexpected(up.error());
  return transport;
}

}  // namespace

HostConnections::HostConnections(const std::map<std::string, HostConfig>& hosts)
    : HostConnections(hosts, make_transport) {}

HostConnections::HostConnections(const std::map<std::string, HostConfig>& hosts,
                                 const TransportMaker& connect)
    : m_connect(connect) {
  std::map<std::string, std::future<Result<std::unique_ptr<Transport>>>> connecting;
  for (const auto& [name, host] : hosts) {
    connecting.emplace(name,
                       std::async(std::launch::async, connected, std::cref(host), std::cref(m_connect)));
  }
  for (auto& [name, future] : connecting)
    m_hosts.emplace(name, std::make_unique<Host>(Host{hosts.at(name), future.get(), {}}));
  for (auto& [name, host] : m_hosts) {
    if (!host->transport) continue;
    const std::string key = (*host->transport)->host_key();
    if (!needs_libvirt_uuid(name, key)) {
      host->identity = std::async(std::launch::deferred, [key] {
        return Result<HostIdentity>(HostIdentity{{}, key});
      });
      continue;
    }
    host->identity = std::async(std::launch::async, read_host_identity, std::cref(host->config),
                                std::ref(**host->transport));
  }
}

// Two entries are one hypervisor only when their SSH host keys agree (or one
// has none: `local`), and then their libvirt host UUIDs decide
// (HostIdentity::same_hypervisor). A host whose key no other reached entry
// shares is another hypervisor than every other whatever its UUID, so its UUID
// is not asked: `virsh capabilities` makes a freshly started libvirtd probe
// every QEMU binary on the host (seconds, measured 3.5-7 s on the lab), and
// every command waits for this answer before it changes anything.
bool HostConnections::needs_libvirt_uuid(const std::string& name, const std::string& key) const {
  if (key.empty()) return true;
  for (const auto& [other, host] : m_hosts) {
    if (other == name || !host->transport) continue;
    const std::string other_key = (*host->transport)->host_key();
    if (other_key.empty() || other_key == key) return true;
  }
  return false;
}

HostConnections::~HostConnections() = default;

std::vector<std::string> HostConnections::same_hypervisor() const {
  std::lock_guard lock(m_mutex);
  if (!m_same_hypervisor) {
    std::map<std::string, HostIdentity> identities;
    for (const auto& [name, host] : m_hosts) {
      if (!host->identity.valid()) continue;
      auto identity = host->identity.get();
      if (identity) identities.emplace(name, std::move(*identity));
    }
    m_same_hypervisor = same_hypervisor_errors(identities);
  }
  return *m_same_hypervisor;
}

Result<std::unique_ptr<Transport>> HostConnections::take(const HostConfig& host) {
  auto found = m_hosts.find(host.name);
  if (found == m_hosts.end()) return m_connect(host);
  const auto& transport = found->second->transport;
  if (!transport) return std::unexpected(transport.error());
  return std::unique_ptr<Transport>(std::make_unique<BorrowedTransport>(**transport));
}

}  // namespace virtplan::providers
