#pragma once

// put() and take() move optional fields between a spec struct and its
// canonical JSON: an unset field is an absent key, and an absent key reads
// back unset (so "not managed" survives the round trip).

#include <nlohmann/json.hpp>

#include <optional>

namespace virtplan::storage {

template <typename T>
void put(nlohmann::json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

template <typename T>
std::optional<T> take(const nlohmann::json& in, const char* key) {
  if (!in.contains(key)) return std::nullopt;
  return in.at(key).template get<T>();
}

}  // namespace virtplan::storage
