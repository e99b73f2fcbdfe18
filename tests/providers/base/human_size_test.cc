// human_size(): the one way a size reads in plans and messages (a domain's
// memory, a volume's capacity, an upload's progress).

#include "providers/base/human_size.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("human_size takes the largest unit that keeps a size at least 1, and drops a zero decimal") {
  CHECK(human_size(0) == "0 bytes");
  CHECK(human_size(1023) == "1023 bytes");
  CHECK(human_size(1024) == "1 KiB");
  CHECK(human_size(512ULL << 20) == "512 MiB");
  CHECK(human_size(3ULL << 29) == "1.5 GiB");
  CHECK(human_size(2ULL << 30) == "2 GiB");
  CHECK(human_size((2ULL << 30) - (1ULL << 20)) == "2 GiB");  // 2047 MiB: "2.0" is said "2"
  CHECK(human_size(1000ULL << 20) == "1000 MiB");
  CHECK(human_size(5ULL << 50) == "5 PiB");
}

}  // namespace
}  // namespace virtplan::providers
