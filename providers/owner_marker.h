#pragma once

// with_owner_marker() puts the ownership marker <metadata><vp:owner
// stack="NAME"/></metadata> into an object's XML (a domain's or a network's:
// the kinds whose <metadata> libvirt keeps), replacing any marker there, and
// leaves everything else as it was. `virtplan import` redefines the object
// with the result to adopt it; read_owner() (list_dump_reading.h) reads it.

#include "providers/error.h"

#include <string>
#include <string_view>

namespace virtplan::providers {

Result<std::string> with_owner_marker(std::string_view xml, std::string_view stack);

}  // namespace virtplan::providers
