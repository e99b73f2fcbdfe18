#pragma once

// The record a stack lock's holder writes into the lock file (StackLock's
// lock script), read back by whoever finds the lock taken: a line saying who
// holds it, then "host pid N", the host process `virtplan unlock` ends.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

// Who holds a stack's lock on a host, as its holder recorded itself.
struct LockHolder {
  // "`virtplan apply` (pid 4242 on build7) since 2026-11-26T01:02:03Z", as a
  // person may read it: one printable line, not too long.
  std::string who;
  // The host's process holding the lock; nullopt for a holder that did not
  // record it (an older virtplan).
  std::optional<long> host_pid;
  // Since the holder recorded itself, by the host's clock.
  std::chrono::seconds age{0};
};

// The holder in `record` (the lock file's text). A holder that took the lock
// but has not written its record yet reads as "another virtplan (holder not
// recorded yet)"; an older virtplan's line ("virtplan pid 4242 on build7
// since ...") reads as it is.
LockHolder read_lock_record(std::string_view record);

}  // namespace virtplan::providers
