#pragma once

// ApplyOptions bounds how much an apply does at once: `parallelism` steps
// overall (`--parallelism`), and at most `per_host` of them on any one host,
// so that one host with many objects does not drown its libvirtd.

namespace virtplan::planner {

struct ApplyOptions {
  int parallelism = 8;
  int per_host = 4;
};

}  // namespace virtplan::planner
