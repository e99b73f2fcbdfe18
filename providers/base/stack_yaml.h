#pragma once

// stack_yaml() writes a JSON tree (what ResourceKind::to_stack() gives, under
// its section and name) as stack YAML, block style, keys in the tree's
// order. A string that YAML would read as something else (a number,
// a boolean, null, a MAC that YAML 1.1 reads as a base-60 number) is quoted,
// so that the loader reads back exactly the string.

#include <nlohmann/json.hpp>

#include <string>

namespace virtplan::providers {

std::string stack_yaml(const nlohmann::json& tree);
// Keys in the tree's insertion order (`host:` first in what import prints).
std::string stack_yaml(const nlohmann::ordered_json& tree);

}  // namespace virtplan::providers
