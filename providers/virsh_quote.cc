#include "providers/virsh_quote.h"

#include <algorithm>

namespace virtplan::providers {
namespace {

// Characters virsh's parser never treats specially. ('#' only matters at the
// start of a word, but simpler to quote it everywhere.)
bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ',' || c == '=' ||
         c == '+' || c == '@' || c == '%';
}

}  // namespace

std::string virsh_quote(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_plain)) {
    return std::string(text);
  }
  std::string quoted = "'";
  for (char c : text) {
    // Close the quotes, an escaped quote, reopen: backslash escapes outside
    // single quotes in virsh as in sh.
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  quoted += "'";
  return quoted;
}

std::string virsh_join(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) {
      line += ' ';
    }
    line += virsh_quote(word);
  }
  return line;
}

}  // namespace virtplan::providers
