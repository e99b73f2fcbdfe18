#include "planner/stack_files.h"

#include "planner/yaml_reader.h"
#include "providers/base/regular_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace virtplan::planner {
namespace {

namespace fs = std::filesystem;
using providers::ErrorCode;
using providers::fail;
using providers::Result;

// A file's text, up to just past the limit: what it costs is what it holds,
// so a directory of many small files stays small.
Result<SourceFile> read_file(const std::string& path) {
  auto file = providers::RegularFile::open(path);
  if (!file) {
    return fail(file.error());
  }
  auto text = file->read(k_max_file_size + 1);
  if (!text) {
    return fail(text.error());
  }
  return SourceFile{path, std::move(*text)};
}

// Whether a directory entry is a stack file: a *.yaml name, not hidden. One
// that is not a regular file (a dangling symlink, a FIFO) is an error, not
// skipped: its objects would silently become destroys. A directory so named
// is a subdirectory, which a stack directory may have.
Result<bool> is_stack_file(const fs::directory_entry& entry, const std::string& prefix) {
  const std::string name = entry.path().filename().string();
  if (!name.ends_with(".yaml") || name.starts_with(".")) {
    return false;
  }
  std::error_code error;
  auto status = entry.status(error);
  if (error || !fs::exists(status)) {
    return fail(ErrorCode::not_found,
                fmt::format("{}: cannot be read: {}", prefix + name,
                            entry.is_symlink() ? "a symbolic link to nothing" : error.message()));
  }
  if (fs::is_directory(status)) {
    return false;
  }
  if (!fs::is_regular_file(status)) {
    return fail(ErrorCode::invalid, fmt::format("{}: is {}{}, not a regular file", prefix + name,
                                                entry.is_symlink() ? "a symbolic link to " : "",
                                                providers::file_type_name(status.type())));
  }
  return true;
}

Result<std::vector<SourceFile>> read_directory(const std::string& path) {
  std::error_code error;
  std::vector<std::string> names;
  std::vector<std::string> problems;  // every bad entry, in name order, not the first found
  std::string prefix = path == "." ? "" : (path.ends_with('/') ? path : path + "/");
  for (const auto& entry : fs::directory_iterator(path, error)) {
    auto stack_file = is_stack_file(entry, prefix);
    if (!stack_file) {
      problems.push_back(stack_file.error().message());
    } else if (*stack_file) {
      names.push_back(entry.path().filename().string());
    }
  }
  if (error) {
    return fail(ErrorCode::other, fmt::format("{}: cannot be read: {}", path, error.message()));
  }
  if (!problems.empty()) {
    std::sort(problems.begin(), problems.end());
    return fail(ErrorCode::invalid, fmt::format("{}", fmt::join(problems, "\n")));
  }
  if (names.empty()) {
    return fail(ErrorCode::not_found, fmt::format("{}: no *.yaml files in this directory", path));
  }
  std::sort(names.begin(), names.end());
  std::vector<SourceFile> files;
  for (const auto& name : names) {
    auto file = read_file(prefix + name);
    if (!file) {
      return fail(file.error());
    }
    files.push_back(std::move(*file));
  }
  return files;
}

}  // namespace

Result<std::vector<SourceFile>> read_stack_files(const std::string& path) {
  std::error_code error;
  auto status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return fail(ErrorCode::not_found, fmt::format("{}: no such file or directory", path));
  }
  if (fs::is_directory(status)) {
    return read_directory(path);
  }
  if (!fs::is_regular_file(status)) {
    return fail(ErrorCode::invalid, fmt::format("{}: is {}, not a regular file or a directory", path,
                                                providers::file_type_name(status.type())));
  }
  auto file = read_file(path);
  if (!file) {
    return fail(file.error());
  }
  return std::vector<SourceFile>{std::move(*file)};
}

std::string default_stack_path() {
  std::error_code error;
  return fs::exists("stack.yaml", error) ? "stack.yaml" : ".";
}

}  // namespace virtplan::planner
