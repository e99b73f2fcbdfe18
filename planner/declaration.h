#pragma once

// Declaration is one `NAME: VALUE` entry of a stack section (a host, a profile,
// a domain...) as found in one file, before it is read.

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"

#include <yaml-cpp/yaml.h>

#include <string>

namespace virtplan::planner {

struct Declaration {
  std::string file;
  YAML::Node key;
  YAML::Node value;
  // A member of a replica group (planner/replica_groups.h): its own name
  // ("web-2"), where `key` is the group's ("web"), and its group's name.
  std::string member_name = {};
  std::string group = {};
  // A member's group's `max_unavailable:` (1 when not said; planner/rolling.h).
  int max_unavailable = 0;

  std::string name() const {
    if (!member_name.empty()) return member_name;
    return key.IsScalar() ? key.Scalar() : std::string();
  }
  providers::SourceLocation where() const { return providers::location_of(key.Mark(), file); }
  // The value, reported at the key when it is empty.
  providers::YamlValue yaml(std::string context) const;
};

}  // namespace virtplan::planner
