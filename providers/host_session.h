#pragma once

// HostSession is one host as apply reaches it: its configuration, its
// transport (one SSH session shared by every step on the host) and a virsh
// runner over that transport. Actuators receive it; the planner only passes
// it along (it never includes this header), so the planner stays free of
// virsh, XML and SSH.

#include "providers/host_config.h"
#include "providers/transport.h"
#include "providers/virsh_runner.h"

namespace virtplan::providers {

struct HostSession {
  HostSession(const HostConfig& config, Transport& transport)
      : config(config), transport(transport), virsh(transport, config.libvirt_uri, config.become) {}

  const HostConfig& config;
  Transport& transport;
  VirshRunner virsh;
};

}  // namespace virtplan::providers
