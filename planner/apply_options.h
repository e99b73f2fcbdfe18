#pragma once

// ApplyOptions bounds how much an apply does at once: `parallelism` steps
// overall (`--parallelism`), and at most `per_host` of them on any one host.
// What keeps a host's libvirtd from drowning is not this bound but the host
// session's virsh batcher (providers/virsh_batcher.h): however many steps
// run on a host, their commands share a few virsh processes. So a host may
// take as many steps as the apply allows; the steps that meet there run as
// one batch.

namespace virtplan::planner {

struct ApplyOptions {
  int parallelism = 8;
  int per_host = 8;
};

}  // namespace virtplan::planner
