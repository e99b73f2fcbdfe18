#pragma once

// read_yaml() turns one stack file's text into a YAML tree, or reports why it
// cannot, at PATH:LINE:COLUMN. It refuses, before yaml-cpp sees the text, what
// could hurt the program or mislead the user: a file over k_max_file_size, text
// that is not UTF-8, control characters. See YamlStructureCheck for what it
// refuses while parsing (deep nesting, aliases, duplicate keys).

#include "planner/stack_files.h"
#include "providers/base/diagnostics.h"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>

namespace virtplan::planner {

// Stack files are small; 4 MiB leaves room for huge inline cloud-init data
// while keeping a mistaken `-f disk.img` from being read into memory.
constexpr std::size_t k_max_file_size = 4 * 1024 * 1024;

// What an empty (or comment-only) file is. In a stack of several files it
// declares nothing: `virtplan import ADDR -f stack/ > stack/data.yaml` has the
// shell make stack/data.yaml, empty, before virtplan reads the directory.
// Alone, it is surely a mistake (the wrong file, a truncated one).
enum class EmptyFile { refused, declares_nothing };

// The tree of `file`'s document, or nullopt when it has none worth checking
// further (the problems are in `diags`). A tree may come with problems too
// (duplicate keys): checking goes on so that one run reports everything.
// An empty file that declares nothing reads as an empty map.
std::optional<YAML::Node> read_yaml(const SourceFile& file, providers::Diagnostics& diags,
                                    EmptyFile empty = EmptyFile::refused);

}  // namespace virtplan::planner
