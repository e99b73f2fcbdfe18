#pragma once

// The readers observe uses, one per kind: one line per kind in
// kind_readers.cc, next to the kind's line in kinds.cc.

#include "providers/kind_reader.h"

#include <vector>

namespace virtplan::cli {

const std::vector<const providers::KindReader*>& kind_readers();

}  // namespace virtplan::cli
