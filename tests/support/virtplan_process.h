#pragma once

// run_virtplan() runs the built virtplan binary as a user would, in a given
// directory, and returns its exit status and everything it printed (stdout
// and stderr together). Arguments pass through the shell, quoted by the one
// quoting function.

#include "providers/shell_quote.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace virtplan::test {

struct VirtplanRun {
  int status = -1;
  std::string output;
};

// `args` is a shell word list: quote user-chosen parts with providers::shell_quote.
inline VirtplanRun run_virtplan(const std::string& args,
                                const std::filesystem::path& dir = std::filesystem::current_path()) {
  const std::string command = "cd " + providers::shell_quote(dir.string()) + " && " +
                              providers::shell_quote(VIRTPLAN_BINARY) + " " + args + " 2>&1";
  VirtplanRun run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace virtplan::test
