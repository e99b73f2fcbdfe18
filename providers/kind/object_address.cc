#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace virtplan::providers {

namespace {

Error not_an_address(std::string_view text) {
  return Error(
      ErrorCode::invalid,
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
  auto named = split_pool_name(text.substr(dot + 1, at - dot - 1));
  if (!named) return std::unexpected(not_an_address(text));
  return ObjectId{std::string(text.substr(0, dot)), std::move(named->name), std::string(text.substr(at + 1)),
                  std::move(named->pool)};
}

std::optional<PoolAndName> split_pool_name(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return PoolAndName{"", std::string(text)};
  PoolAndName split{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
  if (split.pool.empty() || split.name.empty() || split.name.find('/') != std::string::npos)
    return std::nullopt;
  return split;
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

nlohmann::json object_id_json(const ObjectId& id) {
  return {{"address", id.address()}, {"kind", id.kind}, {"name", id.name}, {"host", id.host}};
}

}  // namespace virtplan::providers
