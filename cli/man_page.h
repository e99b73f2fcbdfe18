#pragma once

// man_page() is virtplan(1) in roff, written from the command line's own
// definitions (the CLI11 app that parses the arguments and prints --help):
// every subcommand, positional argument and option with its help text, so
// the manual and --help cannot disagree. `virtplan man` prints it;
// `virtplan man | man -l -` reads it.

#include <string>

namespace CLI {
class App;
}

namespace virtplan::cli {

std::string man_page(const CLI::App& app);

}  // namespace virtplan::cli
