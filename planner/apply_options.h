#pragma once

// ApplyOptions bounds how much an apply does at once: `parallelism` steps
// overall (`--parallelism`), and at most `per_host` of them on any one host.
// What keeps a host's libvirtd from drowning is not this bound but the host
// session's shared virsh (providers/shared_virsh.h): however many steps run
// on a host, their quick commands go to a few virsh processes. So a host may
// take as many steps as the apply allows.

namespace virtplan::planner {

struct ApplyOptions {
  int parallelism = 8;
  int per_host = 8;
};

}  // namespace virtplan::planner
