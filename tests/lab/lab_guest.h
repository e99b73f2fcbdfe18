#pragma once

// The lab's real guest (tests/lab/guest) for lab tests: its cached build
// directory, and polling for what it prints on its serial console.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_env.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <utility>

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

// What the guest printed on its console so far, from the serial log file
// `path` on lab host `i` ("" before it exists). The console writes CRLF
// line ends: the text reads back with plain ones.
inline std::string serial_text(const LabEnv& env, std::size_t i, const std::string& path) {
  std::string text = env.run_in(i, "cat " + providers::shell_quote(path) + " 2>/dev/null || true");
  std::erase(text, '\r');
  return text;
}

// The guest's last heartbeat in `serial` (what it printed on its console):
// its boot id and uptime in seconds; {"", 0} before the first.
inline std::pair<std::string, double> last_heartbeat(const std::string& serial) {
  static const std::regex line("VIRTPLAN-GUEST alive boot_id=([0-9a-f-]+) uptime=([0-9.]+)");
  std::pair<std::string, double> last{"", 0};
  for (auto it = std::sregex_iterator(serial.begin(), serial.end(), line); it != std::sregex_iterator();
       ++it) {
    last = {(*it)[1].str(), std::stod((*it)[2].str())};
  }
  return last;
}

}  // namespace virtplan::lab
