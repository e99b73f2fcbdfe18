#pragma once

// The lab's real guest (tests/lab/guest) for lab tests: its cached build
// directory, and polling for what it prints on its serial console.

#include "tests/lab/lab_env.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace virtplan::lab {

// The cached guest's directory, holding vmlinuz and initrd.img (building it
// first if needed: the build script is a no-op when it is cached).
inline std::string guest_dir() {
  auto built = detail::run_child({std::string(VIRTPLAN_SOURCE_DIR) + "/tests/lab/guest/build"});
  INFO(built.err);
  REQUIRE(built.status == 0);
  std::string dir = built.out.substr(0, built.out.find('\n'));
  REQUIRE(!dir.empty());
  return dir;
}

}  // namespace virtplan::lab
