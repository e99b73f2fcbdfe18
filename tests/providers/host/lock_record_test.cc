// read_lock_record(): the lock file's record read one way, by the busy
// message of `StackLock::acquire` and by `virtplan unlock`.

#include "providers/host/lock_record.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("a lock record gives its holder's line and host pid") {
  const LockHolder holder =
      read_lock_record("`virtplan apply` (pid 42 on build7) since 2026-11-26T01:02:03Z\nhost pid 4242\n");
  CHECK(holder.who == "`virtplan apply` (pid 42 on build7) since 2026-11-26T01:02:03Z");
  CHECK(holder.host_pid == 4242L);
}

TEST_CASE("a lock record's holder line is made printable and short, and an empty one says why") {
  CHECK(read_lock_record("").who == "another virtplan (holder not recorded yet)");
  CHECK(read_lock_record("\nhost pid 7\n").who == "another virtplan (holder not recorded yet)");
  CHECK(read_lock_record("evil\x1b[2Jline\n").who == "evil?[2Jline");
  CHECK(read_lock_record(std::string(300, 'x')).who == std::string(200, 'x'));
  CHECK_FALSE(read_lock_record("virtplan pid 4242 on build7 since then\n").host_pid.has_value());
  CHECK_FALSE(read_lock_record("x\nhost pid 12z\n").host_pid.has_value());
}

}  // namespace
}  // namespace virtplan::providers
