#pragma once

// Reads a volume's keys from the stack into its canonical spec (VolumeSpec's
// JSON), checking what one volume can check alone: the format, that a size is
// given (or implied by `source` or `backing`), and that overlays are qcow2.

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::storage {

void parse_volume(providers::YamlMap& map, providers::StackObject& object, providers::Diagnostics& diags);

}  // namespace virtplan::storage
