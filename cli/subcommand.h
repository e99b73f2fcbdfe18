#pragma once

// Subcommand is one row of the command table in app.cc: its name, its help
// line, and a setup function that declares its options on the CLI11
// subcommand and returns what runs it once the arguments are parsed.

#include <functional>
#include <string_view>

namespace CLI {
class App;
}

namespace virtplan::cli {

// Runs a parsed subcommand; returns the process's exit status.
using SubcommandRunner = std::function<int()>;

struct Subcommand {
  std::string_view name;
  std::string_view help;
  SubcommandRunner (*setup)(CLI::App& command);
};

}  // namespace virtplan::cli
