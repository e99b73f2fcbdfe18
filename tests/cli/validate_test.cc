// Runs the real virtplan binary: `validate` on every broken stack of the
// corpus (tests/stacks/broken/NAME.yaml or the directory NAME/, each with
// NAME.expected, the exact output, run from that directory), on every example
// (which must be valid), and on a few command-line cases.

#include "tests/support/virtplan_process.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path k_source = VIRTPLAN_SOURCE_DIR;
const fs::path k_corpus = k_source / "tests/stacks/broken";

using Run = virtplan::test::VirtplanRun;
using virtplan::providers::shell_quote;

// Runs `virtplan ARGS` in `dir`.
Run run_virtplan(const fs::path& dir, const std::string& args) {
  return virtplan::test::run_virtplan(args, dir);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The corpus's cases: NAME.yaml files and NAME/ directories, sorted.
std::vector<std::string> corpus_cases() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(k_corpus, error)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() || name.ends_with(".yaml")) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void check_corpus_case(const std::string& name) {
  fs::path stem = fs::path(name).stem();
  fs::path expected_path = k_corpus / (stem.string() + ".expected");
  INFO("corpus case " << name << "; expected output in " << expected_path.string());
  REQUIRE(fs::exists(expected_path));
  Run run = run_virtplan(k_corpus, "validate -f " + shell_quote(name));
  std::string want = read_file(expected_path);
  INFO("got:\n" << run.output << "want:\n" << want);
  CHECK(run.output == want);
  CHECK(run.status == 1);
}

// One Catch test case per corpus file, registered at start-up, so that ctest
// lists (and reruns) each one by name.
class CorpusCase : public Catch::ITestInvoker {
public:
  explicit CorpusCase(std::string name) : m_name(std::move(name)) {}
  void invoke() const override { check_corpus_case(m_name); }

private:
  std::string m_name;
};

const bool k_corpus_registered = [] {
  static std::deque<std::string> names;  // Catch keeps pointers to the names
  for (const auto& name : corpus_cases()) {
    names.push_back("corpus: " + name);
    Catch::AutoReg(new CorpusCase(name), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                   Catch::NameAndTags{names.back(), "[corpus]"});
  }
  return true;
}();

TEST_CASE("the corpus has a case for every rule (at least 40)") { CHECK(corpus_cases().size() >= 40); }

TEST_CASE("every example in examples/ is valid") {
  std::vector<std::string> examples;
  for (const auto& entry : fs::directory_iterator(k_source / "examples")) {
    if (entry.path().extension() == ".yaml") {
      examples.push_back(entry.path().filename().string());
    }
  }
  std::sort(examples.begin(), examples.end());
  REQUIRE(examples.size() >= 3);
  for (const auto& example : examples) {
    Run run = run_virtplan(k_source / "examples", "validate -f " + shell_quote(example));
    INFO(example << ":\n" << run.output);
    CHECK(run.status == 0);
    CHECK(run.output.find(", valid\n") != std::string::npos);
  }
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "virtplan-validate-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

const std::string k_valid =
    "stack: demo\n"
    "hosts:\n"
    "  a: {address: local}\n"
    "  b: {address: 'ssh://root@h'}\n"
    "pools:\n"
    "  images: {hosts: all, type: dir, path: /srv/images}\n";

TEST_CASE("a valid stack: the summary line, exit 0") {
  TempDir dir;
  dir.write("s.yaml", k_valid);
  Run run = run_virtplan(dir.path, "validate -f s.yaml");
  CHECK(run.output == "stack demo: 2 hosts, 2 objects, valid\n");
  CHECK(run.status == 0);
}

TEST_CASE("without -f, validate reads ./stack.yaml, else the yaml files of the directory") {
  TempDir dir;
  dir.write("a.yaml", k_valid);
  dir.write("b.yaml", "pools:\n  isos: {host: a, type: dir, path: /srv/isos}\n");
  Run merged = run_virtplan(dir.path, "validate");
  CHECK(merged.output == "stack demo: 2 hosts, 3 objects, valid\n");
  CHECK(merged.status == 0);
  dir.write("stack.yaml", "stack: solo\nhosts:\n  a: {address: local}\n");
  Run single = run_virtplan(dir.path, "validate");
  CHECK(single.output == "stack solo: 1 host, 0 objects, valid\n");
  CHECK(single.status == 0);
}

TEST_CASE("a missing path, or a directory without stack files, is a clear error") {
  TempDir dir;
  Run missing = run_virtplan(dir.path, "validate -f nope.yaml");
  CHECK(missing.output == "nope.yaml: no such file or directory\n");
  CHECK(missing.status == 1);
  Run empty_dir = run_virtplan(dir.path, "validate");
  CHECK(empty_dir.output == ".: no *.yaml files in this directory\n");
  CHECK(empty_dir.status == 1);
}

TEST_CASE("a 50 MB file is refused without being parsed") {
  TempDir dir;
  {
    std::ofstream out(dir.path / "big.yaml", std::ios::binary);
    out << "stack: demo\nhosts:\n";
    std::string line = "  # padding padding padding padding padding padding padding padding\n";
    for (std::size_t written = 0; written < 50u * 1024 * 1024; written += line.size()) {
      out << line;
    }
  }
  Run run = run_virtplan(dir.path, "validate -f big.yaml");
  CHECK(run.output == "big.yaml:1:1: the file is larger than 4 MiB, the limit for a stack file\n");
  CHECK(run.status == 1);
}

}  // namespace
