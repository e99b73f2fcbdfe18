#include "cli/commands.h"

#include "cli/kinds.h"
#include "cli/stack_schema.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace virtplan::cli {

SubcommandRunner setup_schema(CLI::App&) {
  return [] {
    fmt::print("{}", stack_schema_text(kinds()));
    return 0;
  };
}

}  // namespace virtplan::cli
