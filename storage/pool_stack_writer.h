#pragma once

// pool_to_stack() is PoolKind::to_stack(): a pool's canonical spec as the
// keys of `pools: NAME:` in a stack, defaults left out (autostart true, an
// empty source), so that the parser gives the same spec back
// (`virtplan import`).

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::storage {

providers::Result<nlohmann::json> pool_to_stack(const providers::Spec& spec);

}  // namespace virtplan::storage
