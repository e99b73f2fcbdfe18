#include "cli/commands.h"

#include "cli/bash_completion.h"
#include "cli/man_page.h"
#include "cli/stack_options.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace virtplan::cli {
namespace {

// The whole command line: the app `command` is a subcommand of, as run()
// built it (every subcommand declared before any runs).
const CLI::App& whole(const CLI::App& command) {
  const CLI::App* app = &command;
  while (app->get_parent() != nullptr) app = app->get_parent();
  return *app;
}

int print_addresses(const std::string& path) {
  auto stack = load_stack(path, stderr);
  if (!stack) return 1;
  for (const auto& object : stack->objects) fmt::print("{}\n", object.id.address());
  return 0;
}

}  // namespace

SubcommandRunner setup_man(CLI::App& command) {
  return [&command] {
    fmt::print("{}", man_page(whole(command)));
    return 0;
  };
}

SubcommandRunner setup_completion(CLI::App& command) {
  command.require_subcommand(1);
  CLI::App* bash = command.add_subcommand("bash", "print the bash completion script");
  CLI::App* addresses =
      command.add_subcommand("addresses", "print the addresses of the stack's objects (for the completion)");
  auto path = std::make_shared<std::string>();
  add_stack_file_option(*addresses, *path);
  return [&command, bash, path] {
    if (bash->parsed()) {
      fmt::print("{}", bash_completion(whole(command), domain_verbs()));
      return 0;
    }
    return print_addresses(*path);
  };
}

}  // namespace virtplan::cli
