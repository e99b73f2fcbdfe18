// Lines about unreachable or unreadable hosts quote what the host said (an
// SSH banner, libvirt's error): a newline or an escape sequence in it stays
// one visible piece of one line.

#include "planner/unread_host.h"

#include <catch2/catch.hpp>

using virtplan::planner::unread_line;
using virtplan::providers::Error;
using virtplan::providers::ErrorCode;

TEST_CASE("an unread host's line escapes control characters from the host's message") {
  const std::string line =
      unread_line("lab1", Error(ErrorCode::other, "lab1: virsh list: bad\n  + domain.fake@lab1  create\x1b[2K"));
  CHECK(line == R"(lab1: could not be read: lab1: virsh list: bad\n  + domain.fake@lab1  create\e[2K)");
}
