#include "providers/host/local_transport.h"

#include "tests/support/stream_log.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

using namespace virtplan::providers;

namespace {

Command argv_command(std::vector<std::string> argv) {
  Command command;
  command.argv = std::move(argv);
  return command;
}

CommandOutput run_ok(LocalTransport& local, Command command) {
  auto output = local.run(command);
  INFO((output ? "" : output.error().message()));
  REQUIRE(output.has_value());
  return *output;
}

Command sh(std::string script) {
  return Command{{"/bin/sh", "-c", std::move(script)}, std::nullopt, std::chrono::seconds(30)};
}

}  // namespace

TEST_CASE("local: runs a program without a shell and returns its output", "[local]") {
  LocalTransport local;
  CHECK(local.host_name() == "local");
  // No shell: the ; and $HOME reach echo as they are.
  auto output = run_ok(local, argv_command({"echo", "a;", "$HOME", "*"}));
  CHECK(output.out == "a; $HOME *\n");
  CHECK(output.err.empty());
  CHECK(output.exit_status == 0);
  auto both = run_ok(local, sh("printf out; printf err >&2"));
  CHECK(both.out == "out");
  CHECK(both.err == "err");
}

TEST_CASE("local: exit statuses, including death by signal", "[local]") {
  LocalTransport local;
  CHECK(run_ok(local, sh("exit 3")).exit_status == 3);
  CHECK(run_ok(local, argv_command({"false"})).exit_status == 1);
  auto killed = run_ok(local, sh("kill -TERM $$"));
  CHECK(killed.exit_status == 128 + 15);
  CHECK(killed.err.find("killed by signal 15 (SIGTERM)") != std::string::npos);
}

TEST_CASE("local: a missing program is not_found", "[local]") {
  LocalTransport local;
  auto missing = local.run(argv_command({"no-such-program-vp"}));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::not_found);
  CHECK(missing.error().message() == "local: cannot run no-such-program-vp: no such program");
  auto empty = local.run(Command{});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == ErrorCode::invalid);
}

TEST_CASE("local: a timeout kills the process group and says which command", "[local]") {
  LocalTransport local;
  auto start = std::chrono::steady_clock::now();
  auto slow = local.run(Command{{"sleep", "10"}, std::nullopt, std::chrono::milliseconds(200)});
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(slow);
  CHECK(slow.error().code() == ErrorCode::timeout);
  CHECK(slow.error().message() == "local: sleep 10: timed out after 200 ms");
  CHECK(elapsed < std::chrono::seconds(2));

  // A grandchild holding the pipes open dies with the group.
  std::string pid_file = "/tmp/vp-local-grandchild-" + std::to_string(::getpid());
  auto group = local.run(Command{{"/bin/sh", "-c", "sleep 30 & echo $! > " + pid_file + "; wait"},
                                 std::nullopt,
                                 std::chrono::milliseconds(300)});
  REQUIRE_FALSE(group);
  CHECK(group.error().code() == ErrorCode::timeout);
  int grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  ::unlink(pid_file.c_str());
  REQUIRE(grandchild > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Gone, or a zombie waiting for init to reap it.
  std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
  std::string line;
  std::getline(stat, line);
  CHECK((line.empty() || line.find(") Z ") != std::string::npos));
}

TEST_CASE("local: 10 MB on stdout and stderr at once does not deadlock", "[local]") {
  LocalTransport local;
  auto output = run_ok(local, sh("head -c 10485760 /dev/zero | tr '\\0' o & "
                                 "head -c 10485760 /dev/zero | tr '\\0' e >&2; wait"));
  CHECK(output.out.size() == 10485760);
  CHECK(output.err.size() == 10485760);
  CHECK(output.out.find_first_not_of('o') == std::string::npos);
  CHECK(output.err.find_first_not_of('e') == std::string::npos);
}

TEST_CASE("local: 5 MB through cat's stdin while it writes back", "[local]") {
  LocalTransport local;
  std::string input;
  for (int i = 0; input.size() < 5 * 1024 * 1024; ++i) {
    input += std::to_string(i) + "\n";
  }
  Command cat{{"cat"}, input, std::chrono::seconds(30)};
  auto output = run_ok(local, cat);
  CHECK(output.out == input);
  CHECK(output.exit_status == 0);
}

TEST_CASE("local: a child closing stdin early does not kill us", "[local]") {
  LocalTransport local;
  std::string input(8 * 1024 * 1024, 'x');
  auto output = run_ok(local, Command{{"head", "-c", "10"}, input, std::chrono::seconds(30)});
  CHECK(output.out == "xxxxxxxxxx");
  auto closed =
      run_ok(local, Command{{"/bin/sh", "-c", "exec 0<&-; echo done"}, input, std::chrono::seconds(30)});
  CHECK(closed.out == "done\n");
}

TEST_CASE("local: a file streamed to stdin reaches the child whole, and a missing one is an error",
          "[local]") {
  LocalTransport local;
  const std::string path = "/tmp/vp-local-stdin-" + std::to_string(::getpid());
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200000; ++i) out << i << "\n";
  }
  Command sum{{"sha256sum"}, std::nullopt, std::chrono::seconds(30)};
  sum.stdin_file = path;
  auto output = run_ok(local, sum);
  Command direct{{"sha256sum", path}, std::nullopt, std::chrono::seconds(30)};
  CHECK(output.out.substr(0, 64) == run_ok(local, direct).out.substr(0, 64));
  std::filesystem::remove(path);
  auto missing = local.run(sum);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == ErrorCode::not_found);
  CHECK(missing.error().message().starts_with("local: cannot read " + path));
}

TEST_CASE("local: the child sees only fds 0, 1 and 2", "[local]") {
  LocalTransport local;
  // An fd we opened without O_CLOEXEC must not leak either.
  int leaky = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaky > 2);
  auto output = run_ok(local, argv_command({"ls", "/proc/self/fd"}));
  ::close(leaky);
  // ls itself opens one fd to read the directory.
  CHECK(output.out == "0\n1\n2\n3\n");
  auto with_input = run_ok(local, Command{{"ls", "/proc/self/fd"}, "data", std::chrono::seconds(5)});
  CHECK(with_input.out == "0\n1\n2\n3\n");
}

TEST_CASE("local: eight threads at once", "[local]") {
  LocalTransport local;
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string word = std::to_string(t) + "-" + std::to_string(i);
        auto output = local.run(Command{{"cat"}, word + "\n", std::chrono::seconds(30)});
        if (output && output->out == word + "\n" && output->exit_status == 0) {
          ++right;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(right == 160);
}

TEST_CASE("local: a streamed command answers each write as it comes, and ends with its stdin", "[local]") {
  LocalTransport local;
  CHECK(local.can_stream());
  virtplan::test::StreamLog got;
  // One line in, one line out on each stream: the answers come while the
  // command runs, not at its end.
  auto stream = local.stream(
      argv_command({"sh", "-c", "while read -r l; do echo \"out $l\"; echo \"err $l\" >&2; done; exit 3"}),
      got.sink());
  REQUIRE(stream.has_value());
  REQUIRE((*stream)->write("one\n").has_value());
  CHECK(got.wait_for([&] { return got.out == "out one\n" && got.err == "err one\n"; }));
  REQUIRE((*stream)->write("two\n").has_value());
  CHECK(got.wait_for([&] { return got.out == "out one\nout two\n"; }));
  CHECK_FALSE(got.locked([&] { return got.exit_status.has_value(); }));
  stream->reset();  // ends stdin: the loop ends, the command exits 3
  CHECK(got.exit_status == 3);
}

TEST_CASE("local: a streamed command that ignores its stdin's end is killed with its group", "[local]") {
  LocalTransport local;
  virtplan::test::StreamLog got;
  auto stream =
      local.stream(argv_command({"sh", "-c", "trap '' HUP; sleep 60 & sleep 60; wait"}), got.sink());
  REQUIRE(stream.has_value());
  const auto start = std::chrono::steady_clock::now();
  stream->reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(9));
  CHECK(got.exit_status == 128 + SIGKILL);
}
