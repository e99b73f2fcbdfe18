#pragma once

// Breaking a stack lock by hand (`virtplan unlock`, like `terraform
// force-unlock`). A lock frees itself when its holder releases it, dies,
// loses its connection or falls silent (StackLock); breaking it is for a
// holder that is alive but must be stopped (a hung apply on a machine one
// cannot reach). The person is shown who holds it first (find_lock_holder),
// and break_stack_lock ends exactly that holder's process on the host: when
// another holder took the lock meanwhile, nothing is ended.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/lock_record.h"
#include "providers/host/stack_lock.h"
#include "providers/host/transport.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

// The holder of `stack`'s lock on the host, or nullopt when it is free.
Result<std::optional<LockHolder>> find_lock_holder(Transport& transport, std::string_view stack,
                                                   Become become,
                                                   std::string_view dir = StackLock::k_default_dir);

// Ends `holder`'s host process (TERM, then KILL after 5 s) and returns once
// the lock is free. Fails, ending nothing, when that process no longer holds
// the lock (another holder took it: show it again) or recorded no pid.
// Returns at once when the lock is already free.
Result<void> break_stack_lock(Transport& transport, std::string_view stack, Become become,
                              const LockHolder& holder, std::string_view dir = StackLock::k_default_dir);

// "2h 05m", "3m 07s", "12s": an age as the confirmation shows it.
std::string describe_age(std::chrono::seconds age);

}  // namespace virtplan::providers
