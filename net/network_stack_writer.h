#pragma once

// network_to_stack() is NetworkKind::to_stack(): a network's canonical spec
// as the keys of `networks: NAME:` in a stack, defaults left out (autostart
// true), so that the parser gives the same spec back (`virtplan import`).

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::net {

providers::Result<nlohmann::json> network_to_stack(const providers::Spec& spec);

}  // namespace virtplan::net
