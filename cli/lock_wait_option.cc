#include "cli/lock_wait_option.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace virtplan::cli {

namespace {

// Who can hold a stack's lock: every command that takes it.
constexpr const char* k_holders =
    "an apply, destroy or import of the stack, a `virtplan domain` operation on one of its domains, or the "
    "Ansible module";

}  // namespace

void add_lock_wait_option(CLI::App& command, int& seconds) {
  command
      .add_option("--lock-wait", seconds,
                  fmt::format("seconds to wait while another command holds the stack's lock on a host ({}); "
                              "default 0: fail at once, naming the command that holds it",
                              k_holders))
      ->check(CLI::Range(0, 86400));
}

std::string lock_footer(const std::string& exception) {
  return fmt::format(
      "Takes the stack's lock on the host without waiting{}: while another command holds it ({}), "
      "this fails at once, naming that command, and changes nothing.",
      exception, k_holders);
}

}  // namespace virtplan::cli
