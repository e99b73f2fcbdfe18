#include "providers/base/stack_size.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("stack_size uses the largest binary unit that divides the size") {
  CHECK(stack_size(10ULL << 30) == "10GiB");
  CHECK(stack_size(1536ULL << 20) == "1536MiB");
  CHECK(stack_size(2ULL << 40) == "2TiB");
  CHECK(stack_size(4096) == "4KiB");
  CHECK(stack_size(1000) == "1000");
  CHECK(stack_size(0) == "0");
}

}  // namespace
}  // namespace virtplan::providers
