#include "cli/commands.h"

#include "cli/version.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace virtplan::cli {

SubcommandRunner setup_version(CLI::App&) {
  return [] {
    fmt::print("{}", version_text());
    return 0;
  };
}

}  // namespace virtplan::cli
