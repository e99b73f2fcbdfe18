// The virtplan command: everything happens in cli/, main only turns uncaught
// failures into a message and an exit status.

#include "cli/app.h"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  try {
    return virtplan::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "virtplan: internal error: %s\n", e.what());
    return 1;
  }
}
