#pragma once

// HiddenTools hides programs from a lab host's shell while it lives: a file
// without the execute bit mounted over each (sh's `command -v` passes it
// over), in that host's own mount namespace; unmounted again at the end. How
// a test makes a host without curl (or wget).

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace virtplan::lab {

struct HiddenTools {
  const LabEnv& env;
  std::size_t host;
  std::vector<std::string> tools;
  HiddenTools(const LabEnv& lab, std::size_t index, std::vector<std::string> names)
      : env(lab), host(index), tools(std::move(names)) {
    for (const std::string& tool : tools) {
      env.run_in(host, fmt::format("f=$(mktemp) && chmod 0644 \"$f\" && mount --bind \"$f\" {}",
                                   providers::shell_quote("/usr/bin/" + tool)));
    }
  }
  HiddenTools(const HiddenTools&) = delete;
  HiddenTools& operator=(const HiddenTools&) = delete;
  ~HiddenTools() {
    for (const std::string& tool : tools) {
      try {
        env.run_in(host, "umount " + providers::shell_quote("/usr/bin/" + tool));
      } catch (...) {
      }
    }
  }
};

}  // namespace virtplan::lab
