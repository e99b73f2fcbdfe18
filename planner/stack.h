#pragma once

// Stack is the desired state as the stack files declare it, loaded and
// checked: the stack's name, its hosts, and its objects, one per host they are
// placed on. It is what plan, apply and validate start from.

#include "planner/placement.h"
#include "planner/rolling.h"
#include "planner/stack_files.h"
#include "providers/host/host_config.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace virtplan::planner {

struct Stack {
  std::string name;                                    // `stack:`
  std::map<std::string, providers::HostConfig> hosts;  // by name
  std::vector<providers::StackObject> objects;         // sorted by address
  // The replica groups' member domains (planner/replica_groups.h), whose
  // disruptive changes roll (planner/rolling.h).
  GroupMembers group_members = {};
  // The domains that say `host: auto`, by name, with their `placement:`
  // (vcpus and memory unset: the kind's host_usage() says, from the spec).
  // Their objects, and the volumes that follow them, sit on the host the
  // loader was given for them (StackLoader::load's `placed`), else on a
  // provisional one (the first candidate by name), until plan places them.
  std::map<std::string, PlacementRequest> auto_placed;
  // The volumes that say `host: auto`: each goes with the domain whose
  // disks name it.
  std::set<std::string> following_volumes = {};
  // The files' text as loaded: placement loads the same text again with each
  // `host: auto` domain on its host (never the files again, which may have
  // changed, or never existed: the Ansible module's stack_content).
  std::vector<SourceFile> sources = {};
};

}  // namespace virtplan::planner
