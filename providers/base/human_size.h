#pragma once

// human_size() says a size in bytes as a person reads it in a plan: the
// largest binary unit that keeps it at least 1, with at most one decimal
// ("10 GiB", "1.5 GiB", "512 MiB", "123 bytes").

#include <cstdint>
#include <string>

namespace virtplan::providers {

std::string human_size(std::uint64_t bytes);

}  // namespace virtplan::providers
