#pragma once

// Reads a pool's keys from the stack into its canonical spec (PoolSpec's
// JSON), checking what one pool can check alone: the type, the target path,
// and which `source:` keys the type takes and needs.

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/resource_kind.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::storage {

void parse_pool(providers::YamlMap& map, providers::StackObject& object, providers::Diagnostics& diags);

// An absolute path as libvirt keeps it: "//" collapsed, no trailing '/'.
// nullopt when `path` is not absolute.
std::optional<std::string> clean_absolute_path(std::string_view path);

}  // namespace virtplan::storage
