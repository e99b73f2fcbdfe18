#pragma once

// HostConnections reaches every host of a stack at once, before anything is
// read or changed there, and learns what each host is (host_identity.h). A
// command asks it first whether two entries reach one hypervisor (then it
// refuses the whole run), and then takes each host's transport from it:
// the connection made here is the one the command goes on with, so a host
// costs one connect, and a host that could not be reached is not tried again
// (its error, said once, is what every later use gets).

#include "providers/error.h"
#include "providers/host_config.h"
#include "providers/host_identity.h"
#include "providers/transport.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace virtplan::providers {

class HostConnections {
public:
  using TransportMaker = std::function<Result<std::unique_ptr<Transport>>(const HostConfig&)>;

  // Connects to every host in `hosts` side by side (a dead host costs its
  // connect_timeout once, not once per host) and reads its identity.
  HostConnections(const std::map<std::string, HostConfig>& hosts, const TransportMaker& connect);
  explicit HostConnections(const std::map<std::string, HostConfig>& hosts);

  // One message per entry that reaches a hypervisor another entry reaches;
  // a run with any must change and read nothing.
  const std::vector<std::string>& same_hypervisor() const { return m_same_hypervisor; }

  // The transport connected to `host`, handed over once; or why the host
  // could not be reached or identified. A host asked for again (or not
  // connected here) gets a new transport from the maker.
  Result<std::unique_ptr<Transport>> take(const HostConfig& host);

  // take() as a maker, for the readers and RemoteHostAccess.
  TransportMaker maker() {
    return [this](const HostConfig& host) { return take(host); };
  }

private:
  TransportMaker m_connect;
  std::mutex m_mutex;  // take() may be called from several threads
  std::map<std::string, Result<std::unique_ptr<Transport>>> m_transports;
  std::vector<std::string> m_same_hypervisor;
};

}  // namespace virtplan::providers
