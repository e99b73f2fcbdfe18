#include "providers/base/printable_text.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace virtplan::providers {
namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;
};

// The UTF-8 sequence at the start of `text`; nullopt when it is not one
// (a stray continuation byte, a truncated or overlong sequence).
std::optional<CodePoint> decode(std::string_view text) {
  const auto first = static_cast<unsigned char>(text[0]);
  std::size_t length = first < 0x80             ? 1
                       : (first & 0xE0) == 0xC0 ? 2
                       : (first & 0xF0) == 0xE0 ? 3
                       : (first & 0xF8) == 0xF0 ? 4
                                                : 0;
  if (length == 0 || length > text.size()) return std::nullopt;
  char32_t value = length == 1 ? first : first & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[i]);
    if ((next & 0xC0) != 0x80) return std::nullopt;
    value = (value << 6) | (next & 0x3F);
  }
  static constexpr char32_t k_smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < k_smallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return std::nullopt;
  return CodePoint{value, length};
}

bool is_hidden(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::string escaped(char32_t c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case 0x1B:
      return "\\e";
    default:
      break;
  }
  return c < 0x80 ? fmt::format("\\x{:02x}", static_cast<unsigned>(c))
                  : fmt::format("\\u{:04x}", static_cast<unsigned>(c));
}

}  // namespace

std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    auto point = decode(text);
    if (!point) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(text[0])));
      text.remove_prefix(1);
      continue;
    }
    if (is_hidden(point->value)) {
      out += escaped(point->value);
    } else {
      out.append(text.substr(0, point->length));
    }
    text.remove_prefix(point->length);
  }
  return out;
}

}  // namespace virtplan::providers
