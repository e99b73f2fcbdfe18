#include "providers/base/random_nonce.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace virtplan::providers {

// Every bit from std::random_device (the kernel's generator on Linux): a
// pseudo-random generator seeded from it would hold only its 32-bit seed.
std::string random_nonce(std::size_t hex_digits) {
  thread_local std::random_device device;
  std::string digits;
  for (int i = 0; i < 4; ++i) digits += fmt::format("{:08x}", device());
  return digits.substr(0, std::clamp<std::size_t>(hex_digits, 1, digits.size()));
}

}  // namespace virtplan::providers
