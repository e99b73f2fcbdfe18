#pragma once

// DomainXmlPatcher applies a domain's `xml:` escape hatch, after everything
// else is generated or updated, in the order the stack lists the patches:
//   {set: XPATH, value: V}  sets each matched attribute's value or element's
//                           text; when nothing matches and XPATH is a plain
//                           absolute path (/domain/features/hyperv/relaxed/@state:
//                           names only, no predicates) the missing elements
//                           and the attribute are created; otherwise it is an
//                           error naming the patch
//   {remove: XPATH}         removes each matched element or attribute; nothing
//                           matching is an error at creation, and fine on
//                           update (the live XML has it removed already)
// holds() tells whether a patch is still in effect, for reading back.

#include "kvm/domain_spec.h"
#include "providers/base/error.h"
#include "providers/xml/document.h"

#include <vector>

namespace virtplan::kvm {

class DomainXmlPatcher {
public:
  enum class Missing { error, ignore };

  // `missing` says what a remove matching nothing is.
  static providers::Result<void> apply(providers::XmlDocument& document,
                                       const std::vector<DomainSpec::XmlPatch>& patches, Missing missing);
  // True when `document` shows the patch applied: every match of a set holds
  // its value (and there is one), a remove matches nothing.
  static bool holds(const providers::XmlDocument& document, const DomainSpec::XmlPatch& patch);
};

}  // namespace virtplan::kvm
