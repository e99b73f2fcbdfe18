#include "cli/commands.h"

#include "cli/stack_options.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace virtplan::cli {
namespace {

std::string count(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

int validate(const std::string& path) {
  auto stack = load_stack(path, stderr);
  if (!stack) {
    return 1;
  }
  fmt::print("stack {}: {}, {}, valid\n", stack->name, count(stack->hosts.size(), "host", "hosts"),
             count(stack->objects.size(), "object", "objects"));
  return 0;
}

}  // namespace

SubcommandRunner setup_validate(CLI::App& command) {
  auto path = std::make_shared<std::string>();
  add_stack_file_option(command, *path);
  return [path] { return validate(*path); };
}

}  // namespace virtplan::cli
