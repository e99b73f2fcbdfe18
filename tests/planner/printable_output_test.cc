// Lines about unreachable or unreadable hosts quote what the host said (an
// SSH banner, libvirt's error): a newline or an escape sequence in it stays
// one visible piece of one line.

#include "planner/diff.h"
#include "planner/unread_host.h"

#include <catch2/catch.hpp>

using virtplan::planner::diff;
using virtplan::planner::ObservedState;
using virtplan::planner::unread_line;
using virtplan::planner::unread_summary;
using virtplan::providers::Error;
using virtplan::providers::ErrorCode;

TEST_CASE("an unread host's line escapes control characters from the host's message") {
  const std::string line = unread_line(
      "lab1", Error(ErrorCode::other, "lab1: virsh list: bad\n  + domain.fake@lab1  create\x1b[2K"));
  CHECK(line == R"(lab1: could not be read: lab1: virsh list: bad\n  + domain.fake@lab1  create\e[2K)");
}

// plan's errors, apply's and destroy's summaries and the Ansible module's
// message say an unread host the same way: one line whatever the host said.
TEST_CASE("an unread host in a summary is one line, whatever the host's message holds") {
  const Error why(ErrorCode::transport, "lab1: ssh: gone\n  - volume.precious@lab1  destroy\x1b[1A");
  const std::map<std::string, std::vector<std::string>> objects{{"lab1", {"pool.p@lab1"}}};
  CHECK(
      unread_summary("lab1", why, "nothing was planned or done there", objects) ==
      R"(lab1: could not be reached, nothing was planned or done there (pool.p@lab1): lab1: ssh: gone\n  - )"
      R"(volume.precious@lab1  destroy\e[1A)");
  ObservedState observed;
  observed.unread.emplace("lab1", why);
  const auto result = diff("demo", {}, observed, [](std::string_view) { return nullptr; });
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find('\n') == std::string::npos);
  CHECK(result.errors[0].find('\x1b') == std::string::npos);
}
