#pragma once

// Loading the stack named by `-f` for a subcommand: the path's default, the
// files read, the loader run with every kind, and the problems printed.

#include "planner/stack.h"

#include <optional>
#include <string>
#include <cstdio>

namespace virtplan::cli {

// The stack at `path` (empty: the default, ./stack.yaml or ./*.yaml), or
// nullopt after printing every problem to `errors`, sorted by place.
std::optional<planner::Stack> load_stack(const std::string& path, std::FILE* errors);

}  // namespace virtplan::cli
