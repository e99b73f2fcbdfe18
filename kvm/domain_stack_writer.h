#pragma once

// domain_to_stack() is DomainKind::to_stack(): a domain's canonical spec
// (providers/kind/resource_kind.h) as the keys of `domains: NAME:` in a stack,
// defaults left out, so that the YAML reader gives the same spec back
// (what `virtplan import` prints).

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::kvm {

providers::Result<nlohmann::json> domain_to_stack(const providers::Spec& spec);

}  // namespace virtplan::kvm
