#pragma once

// The actuators apply uses, one per kind: one line per kind in
// kind_actuators.cc, next to the kind's line in kinds.cc and its reader's in
// kind_readers.cc.

#include "providers/kind_actuator.h"

#include <string_view>

namespace virtplan::cli {

// The actuator of `kind` ("domain"); nullptr for a kind that has none.
const providers::KindActuator* kind_actuator(std::string_view kind);

}  // namespace virtplan::cli
