#include "planner/stack_files.h"

#include "planner/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace virtplan::planner {
namespace {

namespace fs = std::filesystem;
using providers::ErrorCode;
using providers::fail;
using providers::Result;

Result<SourceFile> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::not_found, fmt::format("{}: cannot be read", path));
  }
  std::string text(k_max_file_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return fail(ErrorCode::other, fmt::format("{}: cannot be read", path));
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return SourceFile{path, std::move(text)};
}

Result<std::vector<SourceFile>> read_directory(const std::string& path) {
  std::error_code error;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".yaml") && !name.starts_with(".") && entry.is_regular_file(error)) {
      names.push_back(name);
    }
  }
  if (error) {
    return fail(ErrorCode::other, fmt::format("{}: cannot be read: {}", path, error.message()));
  }
  if (names.empty()) {
    return fail(ErrorCode::not_found, fmt::format("{}: no *.yaml files in this directory", path));
  }
  std::sort(names.begin(), names.end());
  std::vector<SourceFile> files;
  std::string prefix = path == "." ? "" : (path.ends_with('/') ? path : path + "/");
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
