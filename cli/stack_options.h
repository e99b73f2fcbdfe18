#pragma once

// Loading the stack named by `-f` for a subcommand: the path's default, the
// files read, the loader run with every kind, and the problems printed.

#include "planner/stack.h"

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace virtplan::cli {

// Adds the stack-file option every subcommand that reads a stack takes,
// `-f,--file PATH`, stored in `path` for load_stack(). `use` says what the
// stack is read for when that is not plain (", for the live state").
void add_stack_file_option(CLI::App& command, std::string& path, std::string_view use = "");

// The stack at `path` (empty: the default, ./stack.yaml or ./*.yaml), or
// nullopt after printing every problem to `errors`, sorted by place.
// `placed`: each `host: auto` domain's host, once plan chose it
// (cli/stack_placement.h).
std::optional<planner::Stack> load_stack(const std::string& path, std::FILE* errors,
                                         const std::map<std::string, std::string>& placed = {});

}  // namespace virtplan::cli
