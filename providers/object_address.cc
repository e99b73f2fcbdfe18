#include "providers/object_address.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace virtplan::providers {

namespace {

Error not_an_address(std::string_view text) {
  return Error(ErrorCode::invalid,
               fmt::format("'{}': not an object address; expected KIND.NAME@HOST, e.g. domain.web@lab1", text));
}

}  // namespace

Result<ObjectId> parse_address(std::string_view text) {
  const auto dot = text.find('.');
  const auto at = text.rfind('@');
  if (dot == std::string_view::npos || at == std::string_view::npos || dot == 0 || at <= dot + 1 ||
      at + 1 == text.size()) {
    return std::unexpected(not_an_address(text));
  }
  ObjectId id{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1, at - dot - 1)),
              std::string(text.substr(at + 1)), ""};
  if (const auto slash = id.name.find('/'); slash != std::string::npos) {
    id.pool = id.name.substr(0, slash);
    id.name = id.name.substr(slash + 1);
    if (id.pool.empty() || id.name.empty() || id.name.find('/') != std::string::npos) {
      return std::unexpected(not_an_address(text));
    }
  }
  return id;
}

Result<ObjectId> resolve_address(const ObjectId& query, const std::vector<ObjectId>& candidates) {
  std::vector<ObjectId> named;
  for (const ObjectId& id : candidates) {
    if (id.named_by(query)) named.push_back(id);
  }
  if (named.empty()) return fail(ErrorCode::not_found, query.qualified_address() + ": no such object");
  if (named.size() == 1) return named.front();
  std::vector<std::string> which;
  for (const ObjectId& id : named) which.push_back(id.qualified_address());
  return fail(ErrorCode::invalid, fmt::format("{}: names {} objects; say which: {}", query.address(),
                                              named.size(), fmt::join(which, ", ")));
}

}  // namespace virtplan::providers
