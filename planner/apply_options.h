#pragma once

// ApplyOptions bounds how much an apply does at once. Each host takes as
// many steps at once as it can (HostAccess::capacity: from its CPUs, the
// bound its shared virsh processes have too), whatever the other hosts do,
// so hosts never wait on each other; `parallelism` (`--parallelism N`), when
// set, caps the steps running at once over all hosts, which are then taken
// round-robin across the hosts. Domains that a destroy shuts down gracefully
// wait side by side, each in its own step.

#include "providers/kind/actuator.h"

namespace virtplan::planner {

struct ApplyOptions {
  int parallelism = 0;  // 0: no cap over all hosts, only each host's own
  // How destroys stop running domains (every step gets it): graceful, or
  // immediate for `virtplan destroy --force`.
  providers::StopMode stop = providers::StopMode::graceful;
};

}  // namespace virtplan::planner
