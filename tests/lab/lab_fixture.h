#pragma once

// require_lab() is how a lab test starts: the running lab (tests/lab/lab up,
// or the ctest fixture lab_up), with at least `hosts` hosts, or a failure
// saying how to bring it up.

#include "tests/lab/lab_env.h"

#include <catch2/catch.hpp>

namespace virtplan::lab {

inline LabEnv require_lab(std::size_t hosts = 1) {
  auto env = LabEnv::load();
  if (!env) FAIL("the lab is not up: run `tests/lab/lab up` or the ctest fixture lab_up");
  REQUIRE(env->hosts.size() >= hosts);
  return *env;
}

}  // namespace virtplan::lab
