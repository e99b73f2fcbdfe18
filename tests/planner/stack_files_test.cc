// Reading a stack's files: only regular files (a FIFO or a device as -f, or
// as a *.yaml in a stack directory, blocked or never ended), no *.yaml
// entry skipped silently (its objects would become destroys), and memory
// that follows what the files hold.

#include "planner/stack_files.h"
#include "planner/yaml_reader.h"
#include "tests/support/fifo_feeder.h"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

using namespace virtplan;

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "virtplan-stack-files-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

const std::string k_stack = "stack: demo\nhosts:\n  a: {address: local}\n";

}  // namespace

TEST_CASE("a FIFO as the stack path is refused, naming it, without waiting for a writer") {
  TempDir dir;
  const std::string fifo = (dir.path / "stack.yaml").string();
  test::FifoFeeder feeder(fifo, k_stack);
  auto files = planner::read_stack_files(fifo);
  REQUIRE_FALSE(files);
  CHECK(files.error().message() == fifo + ": is a FIFO, not a regular file or a directory");
}

TEST_CASE("a device as the stack path is refused, naming it") {
  auto files = planner::read_stack_files("/dev/null");
  REQUIRE_FALSE(files);
  CHECK(files.error().message() == "/dev/null: is a character device, not a regular file or a directory");
}

TEST_CASE("a FIFO named *.yaml in a stack directory is an error, not skipped") {
  TempDir dir;
  dir.file("a.yaml", k_stack);
  test::FifoFeeder feeder((dir.path / "b.yaml").string(), "pools: {}\n");
  auto files = planner::read_stack_files(dir.path.string());
  REQUIRE_FALSE(files);
  CHECK(files.error().message() == dir.path.string() + "/b.yaml: is a FIFO, not a regular file");
}

TEST_CASE("a dangling *.yaml symlink in a stack directory is an error naming it, not skipped") {
  TempDir dir;
  dir.file("a.yaml", k_stack);
  fs::create_symlink(dir.path / "gone.yaml", dir.path / "b.yaml");
  fs::create_symlink(dir.path / "gone-too.yaml", dir.path / "c.yaml");
  auto files = planner::read_stack_files(dir.path.string());
  REQUIRE_FALSE(files);
  // Every bad entry, in name order.
  CHECK(files.error().message() ==
        dir.path.string() + "/b.yaml: cannot be read: a symbolic link to nothing\n" + dir.path.string() +
            "/c.yaml: cannot be read: a symbolic link to nothing");
}

TEST_CASE("a *.yaml symlink to a file is read, but a subdirectory named *.yaml is not a stack file") {
  TempDir dir;
  const std::string target = dir.file("real.txt", k_stack);
  fs::create_symlink(target, dir.path / "a.yaml");
  fs::create_directory(dir.path / "old.yaml");
  auto files = planner::read_stack_files(dir.path.string());
  REQUIRE(files);
  REQUIRE(files->size() == 1);
  CHECK(files->front().text == k_stack);
}

// Each file's text was a 4 MiB buffer whatever the file held: 1,000 files
// took 4 GB. Now it is what the file holds.
TEST_CASE("a stack directory's memory is what its files hold, not 4 MiB per file") {
  TempDir dir;
  dir.file("a.yaml", k_stack);
  for (int i = 0; i < 50; ++i) dir.file(fmt::format("p{:02}.yaml", i), "pools: {}\n");
  auto files = planner::read_stack_files(dir.path.string());
  REQUIRE(files);
  REQUIRE(files->size() == 51);
  std::size_t held = 0;
  for (const auto& file : *files) held += file.text.capacity();
  CHECK(held < 64 * 1024);
}

TEST_CASE("a big stack file is read only up to just past the limit") {
  TempDir dir;
  const std::string big = dir.file("big.yaml", std::string(planner::k_max_file_size + 4096, '#'));
  auto files = planner::read_stack_files(big);
  REQUIRE(files);
  CHECK(files->front().text.size() == planner::k_max_file_size + 1);
}
