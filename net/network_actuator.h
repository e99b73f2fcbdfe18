#pragma once

// NetworkActuator creates, updates and destroys libvirt networks with virsh.
//
// create: `net-define` the kind's create XML (it carries the ownership
//   marker), `net-start`, `net-autostart` when asked.
// update: when every changed field is live-class (DHCP hosts and ranges, DNS
//   hosts), one `net-update ... --config` (and `--live` when the network is
//   active) per change (NetUpdate), then a re-read that proves the config now
//   matches; otherwise one redefine of the live inactive XML through
//   update_xml() (same UUID) and, when the network is active, `net-destroy`
//   + `net-start`, reconnecting every running domain's NIC on it
//   (NetworkNicReattacher). A missing ownership marker is written by a
//   redefine too (no restart: only the metadata changes). Autostart last.
//   An inactive network is not started by an update: the plan did not say so.
// destroy: `net-destroy` when active, then `net-undefine`; a network already
//   gone is fine.

#include "providers/kind/actuator.h"

namespace virtplan::net {

class NetworkActuator : public providers::KindActuator {
public:
  std::string_view kind() const override { return "network"; }
  providers::Result<providers::ActuatorOutcome> create(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> update(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> destroy(const providers::ActuatorStep& step,
                                                        providers::HostSession& host) const override;
  providers::Result<bool> exists(const providers::ObjectId& id, providers::HostSession& host) const override;
};

}  // namespace virtplan::net
