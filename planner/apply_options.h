#pragma once

// ApplyOptions bounds how much an apply does at once: `parallelism` steps
// overall (`--parallelism`), and at most `per_host` of them on any one host.
// What keeps a host's libvirtd from drowning is not this bound but the host
// session's shared virsh (providers/shared_virsh.h): however many steps run
// on a host, their quick commands go to a few virsh processes. So a host may
// take as many steps as the apply allows. Domains that a destroy shuts down
// gracefully wait side by side, each in its own step.

#include "providers/kind_actuator.h"

namespace virtplan::planner {

struct ApplyOptions {
  int parallelism = 8;
  int per_host = 8;
  // How destroys stop running domains (every step gets it): graceful, or
  // immediate for `virtplan destroy --force`.
  providers::StopMode stop = providers::StopMode::graceful;
};

}  // namespace virtplan::planner
