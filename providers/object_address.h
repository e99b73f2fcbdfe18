#pragma once

// parse_address() reads an object's address as people type it on the
// command line (`--target domain.web@lab1`, `virtplan import ADDR`) back into
// an ObjectId. The kind is everything before the first '.', the host
// everything after the last '@' (names never hold '@'; they may hold '.').

#include "providers/error.h"
#include "providers/object_id.h"

#include <string_view>

namespace virtplan::providers {

// Fails with ErrorCode::invalid: "'web@lab1': not an object address; expected
// KIND.NAME@HOST, e.g. domain.web@lab1".
Result<ObjectId> parse_address(std::string_view text);

}  // namespace virtplan::providers
