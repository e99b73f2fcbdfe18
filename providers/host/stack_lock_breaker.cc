#include "providers/host/stack_lock_breaker.h"

#include "providers/base/plain_text.h"
#include "providers/base/printable_text.h"
#include "providers/host/host_script.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace virtplan::providers {

namespace {

// $1: the lock file. Prints "free", or "held", the record's age in seconds
// (host clock) and the record (StackLock's k_lock_script). Read-only: the
// file is opened for reading, never through a symbolic link, and a free lock
// is taken for an instant only to learn that it is free.
constexpr std::string_view k_inspect_script =
    R"sh([ -e "$1" ] || { echo free; exit 0; }; )sh"
    R"sh(if [ -L "$1" ] || [ ! -f "$1" ]; then echo "$1 is not a regular file" >&2; exit 71; fi; )sh"
    R"sh(exec 9<"$1" || exit 70; )sh"
    R"sh(if flock -n 9; then echo free; exit 0; fi; )sh"
    R"sh(echo held; echo $(( $(date +%s) - $(stat -c %Y -- "$1") )); cat <&9)sh";

// $1: the lock file, $2: the host pid shown to the person. Ends that process
// only while it holds the lock: its fd 9 is the lock file. TERM first (the
// holder's sh ends, its loop's processes do not hold the lock), KILL if the
// lock is still held 5 s later.
constexpr std::string_view k_break_script =
    R"sh(if [ -L "$1" ] || [ ! -f "$1" ]; then echo "$1 is not a regular file" >&2; exit 71; fi; )sh"
    R"sh(exec 9<"$1" || exit 70; )sh"
    R"sh(if flock -n 9; then echo free; exit 0; fi; )sh"
    R"sh(if [ "$(stat -L -c %d:%i /proc/"$2"/fd/9 2>/dev/null)" != "$(stat -c %d:%i -- "$1")" ]; then )sh"
    R"sh(echo "host process $2 does not hold the lock any more" >&2; exit 73; fi; )sh"
    R"sh(kill -TERM "$2"; if flock -w 5 9; then echo broken; exit 0; fi; )sh"
    R"sh(kill -KILL "$2"; if flock -w 5 9; then echo broken; exit 0; fi; )sh"
    R"sh(echo "the lock is still held after host process $2 was killed" >&2; exit 74)sh";

Command breaker_command(std::string_view script, Become become, std::vector<std::string> args) {
  return Command{host_script_argv(become, script, "virtplan-unlock", std::move(args)), std::nullopt,
                 std::chrono::seconds(30)};
}

std::string failure_of(const CommandOutput& ended) {
  const std::string_view why = first_line(ended.err);
  return fmt::format("exit status {}{}", ended.exit_status, why.empty() ? "" : ": " + printable_text(why));
}

// "held", the record's age in seconds (host clock), then the record.
LockHolder holder_in(std::string_view out) {
  const auto lines = lines_of(out);
  long long age = 0;
  if (lines.size() > 1) std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), age);
  const std::string_view record = lines.size() > 2 ? out.substr(lines[2].data() - out.data()) : "";
  LockHolder holder = read_lock_record(record);
  holder.age = std::chrono::seconds(std::max(0LL, age));
  return holder;
}

}  // namespace

Result<std::optional<LockHolder>> find_lock_holder(Transport& transport, std::string_view stack,
                                                   Become become, std::string_view dir) {
  const std::string& host = transport.host_name();
  const std::string file = StackLock::path(stack, dir);
  auto ended = transport.run(breaker_command(k_inspect_script, become, {file}));
  if (!ended)
    return fail(ended.error().with_context(fmt::format("{}: stack '{}': reading the lock", host, stack)));
  if (ended->exit_status != 0) {
    return fail(ErrorCode::other, fmt::format("{}: stack '{}': cannot read the lock {}: {}", host, stack,
                                              file, failure_of(*ended)));
  }
  const auto lines = lines_of(ended->out);
  if (lines.empty() || lines[0] != "held") return std::optional<LockHolder>();
  return std::optional<LockHolder>(holder_in(ended->out));
}

Result<void> break_stack_lock(Transport& transport, std::string_view stack, Become become,
                              const LockHolder& holder, std::string_view dir) {
  const std::string& host = transport.host_name();
  const std::string file = StackLock::path(stack, dir);
  if (!holder.host_pid) {
    return fail(ErrorCode::invalid,
                fmt::format("{}: stack '{}': the holder did not record its host process (an older virtplan); "
                            "end the process holding {} on the host (`fuser {}`)",
                            host, stack, file, file));
  }
  auto ended =
      transport.run(breaker_command(k_break_script, become, {file, fmt::format("{}", *holder.host_pid)}));
  if (!ended)
    return fail(ended.error().with_context(fmt::format("{}: stack '{}': breaking the lock", host, stack)));
  if (ended->exit_status != 0) {
    return fail(ended->exit_status == 73 ? ErrorCode::locked : ErrorCode::other,
                fmt::format("{}: stack '{}': the lock was not broken: {}", host, stack, failure_of(*ended)));
  }
  return {};
}

std::string describe_age(std::chrono::seconds age) {
  const long long total = age.count();
  if (total >= 3600) return fmt::format("{}h {:02}m", total / 3600, total % 3600 / 60);
  if (total >= 60) return fmt::format("{}m {:02}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

}  // namespace virtplan::providers
