#include "cli/confirmation.h"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <string>

namespace virtplan::cli {

bool confirmed(std::string_view question, AutoApprove auto_approve, std::FILE* out) {
  if (auto_approve == AutoApprove::yes) return true;
  if (isatty(STDIN_FILENO) == 0) {
    fmt::print(out,
               "error: not asking for approval without a terminal; nothing was changed\n"
               "       review the plan above, then run again with --auto-approve\n");
    return false;
  }
  fmt::print(out, "\n{}? Only 'yes' is accepted: ", question);
  std::fflush(out);
  std::string answer;
  if (!std::getline(std::cin, answer) || answer != "yes") {
    fmt::print(out, "not approved; nothing was changed\n");
    return false;
  }
  return true;
}

}  // namespace virtplan::cli
