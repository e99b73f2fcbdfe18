#pragma once

// The shared kind-test helpers (tests/support/kind_fixture.h), visible in
// this folder's test namespace.

#include "tests/support/kind_fixture.h"

namespace virtplan::storage::test {
using namespace virtplan::test;
}  // namespace virtplan::storage::test
