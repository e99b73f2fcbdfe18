// `plan --out FILE`: the saved plan keeps secrets, so FILE is always a new
// file only its owner reads, put in place by a rename: an existing 0644 file
// becomes 0600, and a symlink at FILE is replaced, never written through.

#include "cli/plan_file.h"
#include "tests/support/fifo_feeder.h"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtplan;

namespace {

namespace fs = std::filesystem;

struct PlanFileDir {
  fs::path path;
  PlanFileDir() {
    std::string pattern = (fs::temp_directory_path() / "virtplan-plan-file-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~PlanFileDir() { fs::remove_all(path); }
};

std::string plan_file_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

planner::Plan a_plan() { return planner::Plan("demo", {}); }

}  // namespace

TEST_CASE("plan --out over an existing 0644 file leaves a 0600 file holding the plan") {
  PlanFileDir dir;
  const fs::path file = dir.path / "saved.plan";
  std::ofstream(file) << "old";
  fs::permissions(file, fs::perms(0644));
  REQUIRE(mode_of(file) == 0644);
  REQUIRE(cli::save_plan(a_plan(), file.string()));
  CHECK(mode_of(file) == 0600);
  auto read = cli::read_plan(file.string());
  REQUIRE(read);
  CHECK(*read == a_plan());
}

TEST_CASE("plan --out over a symlink replaces the link and leaves its target alone") {
  PlanFileDir dir;
  const fs::path target = dir.path / "elsewhere";
  const fs::path file = dir.path / "saved.plan";
  std::ofstream(target) << "not yours";
  fs::permissions(target, fs::perms(0644));
  fs::create_symlink(target, file);
  REQUIRE(cli::save_plan(a_plan(), file.string()));
  CHECK(plan_file_text(target) == "not yours");
  CHECK(mode_of(target) == 0644);
  CHECK(fs::is_regular_file(fs::symlink_status(file)));
  CHECK(mode_of(file) == 0600);
  // Nothing left beside it: the temporary file became the plan.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 2);
}

TEST_CASE("plan --out into a directory that does not exist fails naming the file") {
  PlanFileDir dir;
  const fs::path file = dir.path / "missing" / "saved.plan";
  auto saved = cli::save_plan(a_plan(), file.string());
  REQUIRE_FALSE(saved);
  CHECK(saved.error().message().starts_with(file.string() + ": cannot write the plan: "));
}

// A FIFO as PLANFILE blocked `apply PLANFILE` and `show PLANFILE` forever.
// The feeder writes a valid plan into it, so code that still reads FIFOs
// accepts it and fails the test instead of hanging it.
TEST_CASE("a saved plan is read only from a regular file: a FIFO or a device is refused, naming the path") {
  PlanFileDir dir;
  const fs::path saved = dir.path / "saved.plan";
  REQUIRE(cli::save_plan(a_plan(), saved.string()));
  const std::string text = plan_file_text(saved);
  const fs::path fifo = dir.path / "fifo.plan";
  test::FifoFeeder feeder(fifo.string(), text);
  auto from_fifo = cli::read_plan(fifo.string());
  REQUIRE_FALSE(from_fifo);
  CHECK(from_fifo.error().message().find(fifo.string()) != std::string::npos);
  CHECK(from_fifo.error().message().find("FIFO") != std::string::npos);
  auto from_device = cli::read_plan("/dev/zero");
  REQUIRE_FALSE(from_device);
  CHECK(from_device.error().message().find("/dev/zero") != std::string::npos);
  CHECK(cli::read_plan(saved.string()));
}
