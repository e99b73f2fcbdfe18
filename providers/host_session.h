#pragma once

// HostSession is one host as apply reaches it: its configuration, its
// transport (one SSH session shared by every step on the host) and a virsh
// runner over that transport. Actuators receive it; the planner only passes
// it along (it never includes this header), so the planner stays free of
// virsh, XML and SSH.

#include "providers/host_config.h"
#include "providers/shared_virsh.h"
#include "providers/transport.h"
#include "providers/virsh_batcher.h"
#include "providers/virsh_runner.h"
#include "providers/virsh_shell_pool.h"

namespace virtplan::providers {

// Steps on one host run at the same time; their quick virsh commands share a
// few virsh processes (shared_virsh.h): the shell pool's, kept running for
// the session, where the transport can stream; else the batcher's.
struct HostSession {
  HostSession(const HostConfig& config, Transport& transport, VirshBatcher::Options batching = {},
              VirshShellPool::Options shelling = {})
      : config(config),
        transport(transport),
        alone(transport, config.libvirt_uri, config.become),
        batcher(alone, batching),
        shells(alone, shelling),
        virsh(transport, config.libvirt_uri, config.become, shared()) {}
  HostSession(const HostSession&) = delete;
  // Starts the first shared virshes now, in the background (VirshShellPool::warm_up).
  void warm_up() {
    if (transport.can_stream()) shells.warm_up();
  }
  HostSession& operator=(const HostSession&) = delete;

  const HostConfig& config;
  Transport& transport;
  VirshRunner alone;  // runs each command in its own virsh process; in this order
  VirshBatcher batcher;
  VirshShellPool shells;
  VirshRunner virsh;  // what actuators use

private:
  SharedVirsh* shared() { return transport.can_stream() ? static_cast<SharedVirsh*>(&shells) : &batcher; }
};

}  // namespace virtplan::providers
