#include "providers/object_address.h"

#include <fmt/format.h>

namespace virtplan::providers {

Result<ObjectId> parse_address(std::string_view text) {
  const auto dot = text.find('.');
  const auto at = text.rfind('@');
  if (dot == std::string_view::npos || at == std::string_view::npos || dot == 0 || at <= dot + 1 ||
      at + 1 == text.size()) {
    return fail(ErrorCode::invalid,
                fmt::format("'{}': not an object address; expected KIND.NAME@HOST, e.g. domain.web@lab1", text));
  }
  return ObjectId{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1, at - dot - 1)),
                  std::string(text.substr(at + 1))};
}

}  // namespace virtplan::providers
