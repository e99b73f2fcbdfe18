#pragma once

// ScratchDir is a directory of a test's own under /tmp (known_hosts files,
// keys, ssh_config files), removed with everything in it when the test ends.

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace virtplan::test {

class ScratchDir {
public:
  ScratchDir() {
    std::string pattern = "/tmp/vp-test-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  // Never throws: a destructor that throws aborts the test binary. A file
  // that goes away while the tree is removed (an ssh-agent's socket, removed
  // by the agent as it ends) fails one pass, so a second one takes the rest.
  ~ScratchDir() {
    std::error_code ignored;
    if (std::filesystem::remove_all(m_path, ignored) == static_cast<std::uintmax_t>(-1))
      std::filesystem::remove_all(m_path, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return m_path; }
  // The path of `name` inside, whether or not it exists.
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  // Writes `text` to `name` inside; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = file(name);
    std::ofstream(path) << text;
    return path;
  }

private:
  std::string m_path;
};

}  // namespace virtplan::test
