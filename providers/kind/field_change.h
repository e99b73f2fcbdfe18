#pragma once

// FieldChange is one managed field that differs between what a host holds and
// what the stack declares, by JSON pointer into the spec ("/memory/current",
// "/disks/vdb"); before or after is null when the field (or collection item)
// is added or removed. The planner decides them (planner/spec_diff.h); the
// kinds' actuators read them to choose the cheapest way to apply a change.

#include "providers/kind/resource_kind.h"

#include <nlohmann/json.hpp>

#include <string>

namespace virtplan::providers {

struct FieldChange {
  std::string path;
  nlohmann::json before;
  nlohmann::json after;
  Impact impact = Impact::none;

  bool operator==(const FieldChange&) const = default;
};

}  // namespace virtplan::providers
