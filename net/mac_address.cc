#include "net/mac_address.h"

#include <cctype>

namespace virtplan::net {
namespace {

constexpr std::size_t k_text_size = 17;  // "xx:xx:xx:xx:xx:xx"

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != k_text_size) {
    return std::nullopt;
  }
  std::string normal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') {
        return std::nullopt;
      }
      normal += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
      normal += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return MacAddress(std::move(normal));
}

bool MacAddress::is_multicast() const {
  int first = std::stoi(m_text.substr(0, 2), nullptr, 16);
  return (first & 1) != 0;
}

}  // namespace virtplan::net
