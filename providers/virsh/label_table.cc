#include "providers/virsh/label_table.h"

#include "providers/base/plain_text.h"

#include <charconv>

namespace virtplan::providers {

std::optional<std::string_view> table_text(std::string_view table, std::string_view label) {
  for (std::string_view line : lines_of(table)) {
    if (line.starts_with(label)) return trimmed(line.substr(label.size()));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> table_number(std::string_view table, std::string_view label) {
  const auto text = table_text(table, label);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  auto [next, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc()) return std::nullopt;
  return value;
}

}  // namespace virtplan::providers
