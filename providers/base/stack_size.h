#pragma once

// stack_size() writes a size in bytes the way a stack file declares it and
// YamlValue::as_size() reads it back exactly: the largest binary unit that
// divides it ("10GiB", "1536MiB", "4KiB"), else bare bytes ("1000").

#include <cstdint>
#include <string>

namespace virtplan::providers {

std::string stack_size(std::uint64_t bytes);

}  // namespace virtplan::providers
