#pragma once

// Stack files for lab tests that run the virtplan binary: the `hosts:` entry
// of a lab host (its address, the lab's client key and known_hosts, strict
// host keys) and a temporary file to hold the stack, removed by its owner.

#include "tests/lab/lab_env.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace virtplan::lab {

// "  lab1:\n    address: ssh://root@10.231.1.2:22\n    identity: ...\n..."
inline std::string host_block(const LabEnv& env, std::size_t i) {
  return fmt::format("  {}:\n    address: ssh://root@{}:22\n    identity: {}\n    known_hosts: {}\n",
                     env.hosts[i].name, env.hosts[i].address, env.client_key, env.known_hosts);
}

// A stack file under /tmp, named after this process and the text, so tests
// running at once never share one. Rewriting it with new text: write_stack_at.
inline std::string write_stack(const std::string& text) {
  const std::string path =
      fmt::format("/tmp/vp-lab-stack-{}-{}.yaml", getpid(), std::hash<std::string>{}(text));
  std::ofstream(path) << text;
  return path;
}

inline void write_stack_at(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace virtplan::lab
