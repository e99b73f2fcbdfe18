#pragma once

// HostConnections reaches every host of a stack at once, before anything is
// read or changed there, and learns what each host is (host_identity.h)
// while the command goes on: it takes each host's transport from here, and
// asks, before it shows or changes anything, whether two entries reach one
// hypervisor (then it refuses the whole run). The connection made here is
// the one the command uses, so a host costs one connect, and a host that
// could not be reached is not tried again: its connect error, said as
// itself, is what every use of it gets.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/host_identity.h"
#include "providers/host/transport.h"

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

class HostConnections {
public:
  using TransportMaker = std::function<Result<std::unique_ptr<Transport>>(const HostConfig&)>;

  // Connects to every host in `hosts` side by side (a dead host costs its
  // connect_timeout once, not once per host), then starts reading, in the
  // background, the libvirt host UUID of each reached host whose SSH host
  // key another reached entry shares (or that has none): only those can be
  // one hypervisor (HostIdentity::same_hypervisor).
  HostConnections(const std::map<std::string, HostConfig>& hosts, const TransportMaker& connect);
  explicit HostConnections(const std::map<std::string, HostConfig>& hosts);
  // Waits for the identity reads still running.
  ~HostConnections();
  HostConnections(const HostConnections&) = delete;
  HostConnections& operator=(const HostConnections&) = delete;

  // One message per entry that reaches a hypervisor another entry reaches;
  // a run with any must change nothing. Waits for every identity read; a
  // host whose identity could not be read is left out (its other reads fail
  // as well, and say why).
  std::vector<std::string> same_hypervisor() const;

  // The transport of `host`: a handle on the connection made here, valid
  // while this object lives; or the error that kept the host from being
  // reached. A host not connected here gets a new transport from the maker.
  Result<std::unique_ptr<Transport>> take(const HostConfig& host);

  // take() as a maker, for the readers and RemoteHostAccess.
  TransportMaker maker() {
    return [this](const HostConfig& host) { return take(host); };
  }

private:
  struct Host {
    HostConfig config;
    Result<std::unique_ptr<Transport>> transport;
    // Declared after the transport: destroyed first, waiting for the read.
    std::future<Result<HostIdentity>> identity;
  };

  bool needs_libvirt_uuid(const std::string& name, const std::string& key) const;

  TransportMaker m_connect;
  std::map<std::string, std::unique_ptr<Host>> m_hosts;
  mutable std::mutex m_mutex;  // guards m_same_hypervisor
  mutable std::optional<std::vector<std::string>> m_same_hypervisor;
};

}  // namespace virtplan::providers
