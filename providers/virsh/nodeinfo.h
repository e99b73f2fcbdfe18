#pragma once

// Reading `virsh nodeinfo`'s table ("CPU(s):              16",
// "Memory size:         16318988 KiB"): the shell pool sizes itself by the
// CPUs, placement weighs hosts by CPUs and memory.

#include <cstdint>
#include <optional>
#include <string_view>

namespace virtplan::providers {

// The number on the line that starts with `label` ("CPU(s):"); nullopt when
// no line does or its value is not a number.
std::optional<std::uint64_t> nodeinfo_number(std::string_view nodeinfo, std::string_view label);

}  // namespace virtplan::providers
