#pragma once

// NetworkNicReattacher reconnects running domains to a network that apply had
// to restart (net-destroy + net-start: bridge, subnet, forward mode, MTU):
// the restart deletes the bridge, and the guests' taps stay unplugged until
// libvirt is told again (libvirt-facts.md). find() lists the NICs of running
// domains on the network before the restart; reattach() then switches each
// NIC live to the network's new bridge as a plain bridge NIC and back to the
// network (`update-device --live` twice: libvirt reconnects a tap only when
// the source differs, and the bridge name may be the same as before), and
// checks that its tap is enslaved to the new bridge. Configs are not touched.

#include "providers/base/error.h"
#include "providers/host/host_session.h"
#include "providers/kind/step_log.h"

#include <string>
#include <vector>

namespace virtplan::net {

class NetworkNicReattacher {
public:
  struct Nic {
    std::string domain;
    std::string mac;
    std::string xml;  // the live <interface> element
  };

  static providers::Result<std::vector<Nic>> find(providers::HostSession& host, const std::string& network,
                                                  const providers::StepLog& log);
  static providers::Result<void> reattach(providers::HostSession& host, const std::string& network,
                                          const std::vector<Nic>& nics, providers::StepLog& log);
};

}  // namespace virtplan::net
