#pragma once

// volume_to_stack() is VolumeKind::to_stack(): a volume's canonical spec (as
// observed: with /pool, and an overlay's backing volume by name) as the keys
// of `volumes: NAME:` in a stack, so that the parser and resolve() give the
// same spec back (`virtplan import`). An overlay whose backing file is not a
// volume of its pool cannot be declared: that fails.

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::storage {

providers::Result<nlohmann::json> volume_to_stack(const providers::Spec& spec);

}  // namespace virtplan::storage
