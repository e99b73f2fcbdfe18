#pragma once

// Stack is the desired state as the stack files declare it, loaded and
// checked: the stack's name, its hosts, and its objects, one per host they are
// placed on. It is what plan, apply and validate start from.

#include "providers/host/host_config.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <string>
#include <vector>

namespace virtplan::planner {

struct Stack {
  std::string name;                                    // `stack:`
  std::map<std::string, providers::HostConfig> hosts;  // by name
  std::vector<providers::StackObject> objects;         // sorted by address
};

}  // namespace virtplan::planner
