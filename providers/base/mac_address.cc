#include "providers/base/mac_address.h"

#include <fmt/format.h>

#include <cctype>

namespace virtplan::providers {
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

std::expected<MacAddress, std::string> MacAddress::read_nic(std::string_view text) {
  auto mac = parse(text);
  if (!mac) {
    return std::unexpected(
        fmt::format("invalid MAC address '{}': expected six hex pairs like 52:54:00:12:34:56", text));
  }
  if (mac->is_multicast()) {
    return std::unexpected(fmt::format("invalid MAC address '{}': it is a multicast address", text));
  }
  return *mac;
}

bool MacAddress::is_multicast() const {
  int first = std::stoi(m_text.substr(0, 2), nullptr, 16);
  return (first & 1) != 0;
}

}  // namespace virtplan::providers
