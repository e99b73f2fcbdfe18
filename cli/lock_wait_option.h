#pragma once

// How the command line speaks of the stack lock (providers/host/stack_lock.h),
// in one place so that every command's help says the same as a refusal: the
// lock of a stack on a host is held by whichever virtplan command changes the
// stack's objects there (apply, destroy, import, a domain operation, the
// Ansible module), and a refused command names the one holding it.

#include <string>

namespace CLI {
class App;
}

namespace virtplan::cli {

// `--lock-wait SECONDS` (0 to 86400, default 0) into `seconds`, for the
// commands that can wait for the lock (apply, destroy).
void add_lock_wait_option(CLI::App& command, int& seconds);

// The help footer of a command that takes the lock without waiting (import,
// domain); `exception` is added as it is ("" for none).
std::string lock_footer(const std::string& exception);

}  // namespace virtplan::cli
