#pragma once

// Reading virsh's label-and-value tables: `nodeinfo` ("CPU(s):              16",
// "Memory size:         16318988 KiB"), `nodecpustats`, `pool-info`,
// `vol-info`, `domjobinfo`: the shell pool sizes itself by the CPUs, placement
// weighs hosts by CPUs and memory, a migration reads what is left to copy.

#include <cstdint>
#include <optional>
#include <string_view>

namespace virtplan::providers {

// The text after `label` ("Data remaining:") on the first line that starts
// with it, without the blanks around it; nullopt when no line does.
std::optional<std::string_view> table_text(std::string_view table, std::string_view label);
// The number on the line that starts with `label` ("CPU(s):"); nullopt when
// no line does or its value is not a number.
std::optional<std::uint64_t> table_number(std::string_view table, std::string_view label);

}  // namespace virtplan::providers
