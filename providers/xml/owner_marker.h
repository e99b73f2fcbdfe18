#pragma once

// The ownership marker <metadata><vp:owner stack="NAME"/></metadata> that
// domains and networks carry (the kinds whose <metadata> libvirt keeps): its
// namespace, one place that writes it into a document, and
// with_owner_marker() for a whole XML text (`virtplan import` redefines an
// object with the result to adopt it). read_owner() (list_dump_reading.h)
// reads it; a domain's marker carries more (kvm/domain_owner.h) in the same
// namespace.

#include "providers/base/error.h"
#include "providers/xml/namespace.h"
#include "providers/xml/node.h"

#include <string>
#include <string_view>

namespace virtplan::providers {

const XmlNamespace& owner_namespace();

// Replaces any marker under `root`'s <metadata> (made when missing) with one
// naming `stack`; everything else in <metadata> stays.
void set_owner_marker(XmlNode root, std::string_view stack);

Result<std::string> with_owner_marker(std::string_view xml, std::string_view stack);

}  // namespace virtplan::providers
