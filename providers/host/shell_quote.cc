#include "providers/host/shell_quote.h"

#include <algorithm>

namespace virtplan::providers {
namespace {

// Characters no shell a login may use treats specially anywhere in a word.
// Not here: '~' and '#' (special at the start of a word in sh), '=' (zsh
// expands "=cmd" to a path), and everything else that is not plainly inert.
bool is_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '/' || c == ':' || c == ',' || c == '+' || c == '@' || c == '%';
}

}  // namespace

std::string shell_quote(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_safe)) {
    return std::string(text);
  }
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) {
      line += ' ';
    }
    line += shell_quote(arg);
  }
  return line;
}

}  // namespace virtplan::providers
