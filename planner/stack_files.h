#pragma once

// Finding and reading the files of a stack: one file, or a directory whose
// *.yaml files (not its subdirectories) are merged in name order.

#include "providers/base/error.h"

#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

// SourceFile is one stack file's text and the path that names it in messages
// (as given on the command line, or DIR/NAME for a directory stack).
struct SourceFile {
  std::string path;
  std::string text;
};

// The files of the stack at `path`, read. A file is read up to just past
// k_max_file_size (read_yaml refuses it then), so a huge file costs little.
// Fails when `path` does not exist, cannot be read, or is a directory with no
// *.yaml file. Files in a directory are named "DIR/NAME" ("NAME" for ".").
providers::Result<std::vector<SourceFile>> read_stack_files(const std::string& path);

// What `-f` means when it is not given: "stack.yaml" when the current
// directory has one, else the current directory (its *.yaml files).
std::string default_stack_path();

}  // namespace virtplan::planner
