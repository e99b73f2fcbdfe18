#pragma once

// The resource kinds this program knows: one line per kind in kinds.cc.

#include "planner/diff.h"
#include "providers/kind_registry.h"

namespace virtplan::cli {

const providers::KindRegistry& kinds();

// The registry as the planner asks for a kind: by name, nullptr when unknown.
planner::KindLookup kind_lookup();

}  // namespace virtplan::cli
