#include "providers/host/command_trace.h"

#include "providers/virsh/runner.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtplan::providers;

namespace {

// Keeps what it is given.
class RecordingTrace : public CommandTrace {
public:
  void record(const TracedCommand& command) override {
    std::lock_guard lock(m_mutex);
    m_lines.push_back(trace_line(command));
    m_commands.push_back(command);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(m_mutex);
    return m_lines;
  }
  std::vector<TracedCommand> commands() const {
    std::lock_guard lock(m_mutex);
    return m_commands;
  }

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_lines;
  std::vector<TracedCommand> m_commands;
};

}  // namespace

TEST_CASE(
    "command trace: each command run on a host, with its host, exit status and sizes, never its stdin") {
  RecordingTrace trace;
  auto fake = std::make_unique<FakeTransport>("lab1");
  FakeTransport& host = *fake;
  host.reply("abc\n").reply("", 1, "error: domain 'x' is not running\n");
  TracingTransport transport(std::move(fake), trace);
  VirshRunner virsh(transport, "qemu:///system");

  REQUIRE(virsh.run({"define", "/dev/stdin"}, std::string("<domain><secret>hunter2</secret></domain>")));
  REQUIRE_FALSE(virsh.run({"dominfo", "--domain", "x"}));

  const auto commands = trace.commands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].host == "lab1");
  CHECK(commands[0].kind == "run");
  CHECK(commands[0].exit_status == 0);
  CHECK(commands[0].in_bytes == 41);
  CHECK(commands[0].out_bytes == 4);
  CHECK(commands[1].exit_status == 1);
  CHECK(commands[1].err_bytes == 33);
  const auto lines = trace.lines();
  CHECK(lines[0].starts_with("lab1 run "));
  CHECK(lines[0].ends_with("exit=0 in=41B out=4B err=0B: virsh -q -c qemu:///system define /dev/stdin"));
  CHECK(lines[1].ends_with("exit=1 in=0B out=0B err=33B: virsh -q -c qemu:///system dominfo --domain x"));
  for (const std::string& line : lines) CHECK(line.find("hunter2") == std::string::npos);
  // What went through is what the host got.
  CHECK(host.commands().size() == 2);
}

TEST_CASE("command trace: a command that could not run says why, and a held command that it is held") {
  RecordingTrace trace;
  auto fake = std::make_unique<FakeTransport>("lab2");
  fake->fail_next(Error(ErrorCode::unreachable, "lab2: connection refused")).reply("locked\n");
  TracingTransport transport(std::move(fake), trace);
  CHECK_FALSE(transport.run(Command{{"true"}, std::nullopt}));
  auto held = transport.hold(Command{{"flock", "x"}, std::nullopt}, "locked");
  REQUIRE(held);
  const auto lines = trace.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("lab2 run ") == 0);
  CHECK(lines[0].find("failed (lab2: connection refused)") != std::string::npos);
  CHECK(lines[1].find("lab2 hold ") == 0);
  CHECK(lines[1].find(" held ") != std::string::npos);
}

TEST_CASE("command trace: a command is one line, its script's newlines escaped") {
  const TracedCommand command{
      "lab1", "run", {"sh", "-c", "a\nb\tc\x01"}, std::chrono::milliseconds(1), 0, {}, 0, 0, 0};
  CHECK(trace_line(command) == "lab1 run 1ms exit=0 in=0B out=0B err=0B: sh -c a\\nb\\tc\\x01");
}

TEST_CASE("command trace: secrets on a command line are masked") {
  CHECK(masked_words({"virsh", "secret-set-value", "--secret", "u", "--base64", "c2VjcmV0"}) ==
        std::vector<std::string>{"virsh", "secret-set-value", "--secret", "u", "--base64", "***"});
  CHECK(masked_words({"qemu-img", "password=abc", "--passwd", "x", "plain"}) ==
        std::vector<std::string>{"qemu-img", "password=***", "--passwd", "***", "plain"});
}

TEST_CASE("command trace: a file gets one time-stamped line a command") {
  std::string dir = (std::filesystem::temp_directory_path() / "virtplan-trace-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/command-trace.log";
  {
    auto file = CommandTraceFile::open(path);
    REQUIRE(file);
    (*file)->record(
        TracedCommand{"lab1", "run", {"virsh", "list"}, std::chrono::milliseconds(12), 0, {}, 0, 5, 0});
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().ends_with("Z lab1 run 12ms exit=0 in=0B out=5B err=0B: virsh list\n"));
  CHECK(text.str().find('T') == 10);
  CHECK_FALSE(CommandTraceFile::open(dir + "/no/such/dir/x.log"));
  std::filesystem::remove_all(dir);
}
