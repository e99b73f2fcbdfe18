#include "providers/random_nonce.h"

#include <fmt/format.h>

#include <random>

namespace virtplan::providers {

std::string random_nonce() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", generator(), generator());
}

}  // namespace virtplan::providers
