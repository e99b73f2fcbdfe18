#pragma once

// The resource kinds this program knows: one line per kind in kinds.cc.

#include "providers/kind_registry.h"

namespace virtplan::cli {

const providers::KindRegistry& kinds();

}  // namespace virtplan::cli
