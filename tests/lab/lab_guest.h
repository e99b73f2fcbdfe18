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

// Polls `done` every 250 ms until it holds or `limit` passes.
inline bool wait_until(std::chrono::seconds limit, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return done();
}

}  // namespace virtplan::lab
