#include "cli/stack_options.h"

#include "cli/kinds.h"
#include "planner/stack_files.h"
#include "planner/stack_loader.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace virtplan::cli {

void add_stack_file_option(CLI::App& command, std::string& path, std::string_view use) {
  command.add_option("-f,--file", path,
                     fmt::format("stack file or directory{} (default: ./stack.yaml, else ./*.yaml)", use));
}

std::optional<planner::Stack> load_stack(const std::string& path, std::FILE* errors,
                                         const std::map<std::string, std::string>& placed) {
  std::string chosen = path.empty() ? planner::default_stack_path() : path;
  auto files = planner::read_stack_files(chosen);
  if (!files) {
    fmt::print(errors, "{}\n", files.error().message());
    return std::nullopt;
  }
  providers::Diagnostics diags;
  planner::Stack stack = planner::StackLoader(kinds()).load(*files, diags, placed);
  if (!diags.empty()) {
    for (const auto& diagnostic : diags.sorted()) {
      fmt::print(errors, "{}\n", diagnostic.str());
    }
    return std::nullopt;
  }
  return stack;
}

}  // namespace virtplan::cli
