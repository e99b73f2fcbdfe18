#pragma once

// HostSession is one host as apply reaches it: its configuration, its
// transport (one SSH session shared by every step on the host) and a virsh
// runner over that transport. Actuators receive it; the planner only passes
// it along (it never includes this header), so the planner stays free of
// virsh, XML and SSH.

#include "providers/host_config.h"
#include "providers/transport.h"
#include "providers/virsh_batcher.h"
#include "providers/virsh_runner.h"

namespace virtplan::providers {

// Steps on one host run at the same time; their virsh commands go through one
// batcher, so commands that meet are run by one virsh process.
struct HostSession {
  HostSession(const HostConfig& config, Transport& transport, VirshBatcher::Options batching = {})
      : config(config),
        transport(transport),
        unbatched(transport, config.libvirt_uri, config.become),
        batcher(unbatched, batching),
        virsh(transport, config.libvirt_uri, config.become, &batcher) {}
  HostSession(const HostSession&) = delete;
  HostSession& operator=(const HostSession&) = delete;

  const HostConfig& config;
  Transport& transport;
  VirshRunner unbatched;  // what the batcher runs its processes with; in this order
  VirshBatcher batcher;
  VirshRunner virsh;      // what actuators use
};

}  // namespace virtplan::providers
