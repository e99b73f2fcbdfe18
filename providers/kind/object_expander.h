#pragma once

// ObjectExpander derives objects the stack implies but does not declare: a
// domain's `cloud_init:` implies the seed volume "<domain>-cidata". The loader
// asks every registered expander about every object once the declared ones
// are parsed and resolved; what comes back is placed on the same host, goes
// through its own kind's resolve(), references and check() like a declared
// object, and is planned, applied and destroyed like one. The deriving object
// is then resolved again (it may read what it derived: a domain, its seed's
// content hash), so a kind's resolve() must be safe to run twice.
//
// An expander lives with the kind of what it derives (the seed volume's is in
// storage/) and reads the deriving object's spec as JSON only, so no folder
// includes another's kind headers.

#include "providers/base/diagnostics.h"
#include "providers/kind/resource_kind.h"

#include <vector>

namespace virtplan::providers {

class ObjectExpander {
public:
  virtual ~ObjectExpander() = default;

  // The objects `object` implies (id, spec, where; the loader sets `stack`).
  // Problems (a file that cannot be read) go to `diags`; an object that
  // implies nothing returns nothing.
  virtual std::vector<StackObject> expand(const StackObject& object, Diagnostics& diags) const = 0;
};

}  // namespace virtplan::providers
