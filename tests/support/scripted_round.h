#pragma once

// answer_round() answers one round of a KindReading's commands from a script,
// for unit tests that drive a reader round by round without a host: each
// command gets its scripted output, "" when it is not in the script.

#include "providers/base/error.h"
#include "providers/kind/reader.h"

#include <map>
#include <string>
#include <vector>

namespace virtplan::test {

inline std::vector<providers::Result<std::string>> answer_round(
    const std::vector<providers::VirshArgs>& commands,
    const std::map<providers::VirshArgs, std::string>& answers) {
  std::vector<providers::Result<std::string>> out;
  for (const providers::VirshArgs& command : commands) {
    auto it = answers.find(command);
    out.push_back(it == answers.end() ? std::string() : it->second);
  }
  return out;
}

}  // namespace virtplan::test
