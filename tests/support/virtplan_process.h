#pragma once

// run_virtplan() runs the built virtplan binary as a user would, in a given
// directory, and returns its exit status and everything it printed (stdout
// and stderr together); start_virtplan() starts it in the background, so a
// test can act while it runs. Arguments pass through the shell, quoted by the
// one quoting function.

#include "providers/host/shell_quote.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
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

// virtplan started in the background with its output in a file, so a test
// can kill it, run two at once, or act while it runs.
struct Background {
  pid_t pid = -1;
  std::string log;

  int wait() const {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string output() const {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

// `args` as for run_virtplan(); stdin is /dev/null, stdout and stderr go to `log`.
inline Background start_virtplan(const std::string& args, const std::string& log) {
  Background run{-1, log};
  run.pid = fork();
  REQUIRE(run.pid >= 0);
  if (run.pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string command = "exec " + providers::shell_quote(VIRTPLAN_BINARY) + " " + args;
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return run;
}

}  // namespace virtplan::test
