#pragma once

// diff_specs() compares a desired spec with an observed one, field by field,
// and asks the kind's field rules how disruptive each difference is (the
// impact apply then carries out). Specs are canonical
// JSON (providers/kind/resource_kind.h), so collections keyed by identity (disks by
// target, NICs by MAC) match by identity, never by position.

#include "planner/plan.h"
#include "providers/kind/resource_kind.h"

#include <string>
#include <vector>

namespace virtplan::planner {

// Top-level keys the desired spec lacks are not managed and never compared
// (libvirt-side extras); below the top level every key of either side counts,
// so a disk missing from the stack is a removal. Each change's impact is the
// kind's rules' for an object that runs across the apply or not
// (ResourceKind::running). Result sorted by path.
std::vector<FieldChange> diff_specs(const providers::ResourceKind& kind, const providers::Spec& desired,
                                    const providers::Spec& observed);

// The part of `observed` that is compared with `desired`: its top-level keys
// the desired spec has (what diff_specs() compares). A plan's `before` is
// this part, so what libvirt fills in by itself and the stack does not
// declare (a `cpu` model on a TCG domain) never reads as a removal next to
// `after`. A non-object is compared whole.
providers::Spec compared_part(const providers::Spec& desired, const providers::Spec& observed);

}  // namespace virtplan::planner
