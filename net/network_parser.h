#pragma once

// Reads a network's keys from the stack into its canonical spec, checking
// what one network can check alone: addresses, MACs, modes, and that every
// DHCP range and static lease lies in the network's subnet.

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::net {

void parse_network(providers::YamlMap& map, providers::StackObject& object, providers::Diagnostics& diags);

}  // namespace virtplan::net
