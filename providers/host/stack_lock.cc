#include "providers/host/stack_lock.h"

#include "providers/base/plain_text.h"
#include "providers/host/host_permission.h"
#include "providers/host/host_script.h"
#include "providers/host/lock_record.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <mutex>
#include <vector>

#include <limits.h>
#include <unistd.h>

namespace virtplan::providers {

namespace {

constexpr std::string_view k_ready = "locked";
// flock's exit status when the wait ran out (-E): 1 would be ambiguous.
constexpr int k_busy_status = 75;
// How much longer than the lock's wait the transport gives the command to
// print k_ready: starting sh and flock on a busy host.
constexpr auto k_start_margin = std::chrono::seconds(30);

// Constant shell code; the lock file, the wait, the holder's description and
// the longest silence arrive as $1..$4. The lock belongs to fd 9, which sh
// keeps open while it waits for the client's heartbeats (Transport::hold):
// when virtplan releases the lock, dies, loses its connection or falls
// silent for $4 seconds, the loop ends, sh exits and the kernel drops the
// lock. The loop's processes close fd 9 (and stderr), so a holder killed on
// the host frees the lock at once rather than when its child exits.
//
// The file is created 0660 in a directory of libvirt's group
// (vp_state_dir, host_permission.h): root, `become: sudo` and members of the
// group take the same lock. It is never created through a symbolic link: it is
// refused when the path is one, and fd 9 must be the very file at the path
// afterwards (same inode, one link), so a link swapped in meanwhile, or a
// hard link to another file, is refused too. The holder is written through
// fd 9's own file (/proc/$$/fd/9), never by path. "locked" goes out before
// the holder is recorded: a sh whose client vanished while it waited dies
// on that write and does not record a holder that is gone. The record's
// second line is the host pid `virtplan unlock` ends (stack_lock_breaker.h).
constexpr std::string_view k_lock_script =
    R"sh(umask 007; vp_state_dir "${1%/*}" write; )sh"
    R"sh(if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then )sh"
    R"sh(echo "$1 is not a regular file: refusing to lock through it" >&2; exit 71; fi; )sh"
    R"sh(vp_state_file "$1" write; exec 9<>"$1" || exit 70; )sh"
    R"sh(if [ "$(stat -L -c %d:%i:%h /proc/$$/fd/9)" != "$(stat -c %d:%i -- "$1"):1" ]; then )sh"
    R"sh(echo "$1 is not a file of its own (a link, or swapped while it was opened): refusing to lock through it" >&2; exit 71; fi; )sh"
    R"sh(if [ -O "$1" ]; then chmod 660 /proc/$$/fd/9 || exit 70; fi; )sh"
    R"sh(if [ "$2" -gt 0 ]; then flock -E 75 -w "$2" 9; else flock -E 75 -n 9; fi; )sh"
    R"sh(rc=$?; if [ "$rc" -ne 0 ]; then )sh"
    R"sh(if [ "$rc" -eq 75 ]; then cat <&9; fi; exit "$rc"; fi; )sh"
    R"sh(echo locked; printf '%s
host pid %s
' "$3" "$$" > /proc/$$/fd/9; )sh"
    R"sh(while b=$(exec 9>&- 2>/dev/null; timeout "$4" head -c 1) && [ -n "$b" ]; do :; done)sh";

// The stack name becomes a file name: the loader's name rule already keeps
// '/' and a leading '.' out; this guards any other caller.
Result<void> check_stack_name(std::string_view stack) {
  if (stack.empty() || stack.front() == '.' || stack.find('/') != std::string_view::npos) {
    return fail(ErrorCode::invalid, fmt::format("'{}' cannot name a lock file", stack));
  }
  return {};
}

// Who holds the lock, as the busy message of another process shows it:
// "`virtplan import` (pid 4242 on build7) since 2026-11-26T01:02:03Z".
std::string describe_self(std::string_view holder) {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  return fmt::format("`{}` (pid {} on {}) since {:%Y-%m-%dT%H:%M:%SZ}", holder, ::getpid(),
                     host[0] != '\0' ? host : "an unnamed host", utc);
}

}  // namespace

StackLock::StackLock(std::string stack, std::unique_ptr<HeldCommand> held)
    : m_stack(std::move(stack)), m_held(std::move(held)) {}

std::string StackLock::path(std::string_view stack, std::string_view dir) {
  return fmt::format("{}/{}.lock", dir, stack);
}

bool StackLock::held() const { return m_held && m_held->running(); }

Result<void> StackLock::check_held(const std::string& host) const {
  if (held()) return {};
  return std::unexpected(lost_error(host));
}

Error StackLock::lost_error(const std::string& host) {
  return Error(
      ErrorCode::locked,
      fmt::format("{}: the stack lock was lost (its holder on the host ended, or its connection broke or "
                  "fell silent); nothing more is changed there",
                  host));
}

Result<StackLock> StackLock::acquire(Transport& transport, std::string_view stack, Become become,
                                     std::chrono::seconds wait, std::string_view dir,
                                     std::string_view holder) {
  const std::string& host = transport.host_name();
  if (auto valid = check_stack_name(stack); !valid) {
    return fail(valid.error().with_context(host));
  }
  const auto seconds = std::max<long long>(wait.count(), 0);
  Command command{host_script_argv(become, with_state_dir_functions(k_lock_script), "virtplan-lock",
                                   {path(stack, dir), fmt::format("{}", seconds), describe_self(holder),
                                    fmt::format("{}", k_silence_bound.count())}),
                  std::nullopt, wait + k_start_margin};
  auto outcome = transport.hold(command, k_ready);
  if (!outcome) {
    return fail(outcome.error().code(), fmt::format("{}: stack '{}': cannot take the lock: {}", host, stack,
                                                    outcome.error().message()));
  }
  if (outcome->held) {
    return StackLock(std::string(stack), std::move(outcome->held));
  }
  const CommandOutput& ended = outcome->ended;
  if (ended.exit_status == k_busy_status) {
    return fail(ErrorCode::locked, fmt::format("{}: stack '{}' is locked by {}; try again when it finishes",
                                               host, stack, read_lock_record(ended.out).who));
  }
  const std::string why(first_line(ended.err));
  return fail(ErrorCode::other,
              fmt::format("{}: stack '{}': cannot take the lock {}: exit status {}{}", host, stack,
                          path(stack, dir), ended.exit_status, why.empty() ? "" : ": " + why));
}

}  // namespace virtplan::providers
