#pragma once

// The resource kinds this program knows: one registry entry per kind (spec,
// reader, actuator; the spec holds the field rules), one line per kind in
// kinds.cc.

#include "planner/diff.h"
#include "providers/kind/actuator.h"
#include "providers/kind/reader.h"
#include "providers/kind/registry.h"

#include <string_view>
#include <vector>

namespace virtplan::cli {

const providers::KindRegistry& kinds();

// The registry as the planner asks for a kind: by name, nullptr when unknown.
planner::KindLookup kind_lookup();

// The readers observe uses, one per kind.
const std::vector<const providers::KindReader*>& kind_readers();

// The actuator of `kind` ("domain"); nullptr for a kind that has none.
const providers::KindActuator* kind_actuator(std::string_view kind);

}  // namespace virtplan::cli
