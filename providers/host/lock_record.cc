#include "providers/host/lock_record.h"

#include "providers/base/plain_text.h"

#include <charconv>

namespace virtplan::providers {
namespace {

constexpr std::string_view k_pid_prefix = "host pid ";
constexpr std::size_t k_max_who = 200;

// The holder's line, checked before it goes into our messages: printable,
// not too long.
std::string shown_holder(std::string_view line) {
  std::string shown;
  for (char c : line.substr(0, k_max_who)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  return shown;
}

std::optional<long> pid_in(std::string_view text) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

LockHolder read_lock_record(std::string_view record) {
  const auto lines = lines_of(record);
  LockHolder holder;
  holder.who = !lines.empty() && !lines[0].empty() ? shown_holder(lines[0])
                                                   : "another virtplan (holder not recorded yet)";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].starts_with(k_pid_prefix)) holder.host_pid = pid_in(lines[i].substr(k_pid_prefix.size()));
  }
  return holder;
}

}  // namespace virtplan::providers
