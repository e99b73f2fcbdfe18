#include "cli/app.h"

#include <CLI/CLI.hpp>

namespace virtplan::cli {

int run(int argc, char** argv) {
  CLI::App app{"virtplan: declarative infrastructure as code for KVM"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "virtplan 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace virtplan::cli
