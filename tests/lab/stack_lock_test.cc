// The per-stack lock over real SSH: two connections contend for it, a
// release frees it on the host at once, and a holder killed with -9 leaves it
// free within seconds (sshd closes the dead connection's channel, the host's
// command sees the end of its stdin and exits).

#include "providers/host/stack_lock.h"
#include "providers/host/shell_quote.h"
#include "providers/host/ssh_transport.h"
#include "tests/lab/lab_fixture.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace virtplan::providers;
using namespace std::chrono_literals;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using Clock = std::chrono::steady_clock;

// ctest runs each case in its own process, maybe at the same time as the
// others on the same host: a stack name of its own keeps their locks apart.
const std::string k_stack = "lock-test-" + std::to_string(getpid());

std::unique_ptr<SshTransport> connect_to(const HostConfig& config) {
  auto transport = SshTransport::create(config);
  REQUIRE(transport);
  return std::move(*transport);
}

StackLock must_lock(Transport& transport, std::chrono::seconds wait) {
  auto lock = StackLock::acquire(transport, k_stack, Become::none, wait);
  INFO((lock ? std::string() : lock.error().message()));
  REQUIRE(lock.has_value());
  return std::move(*lock);
}

// Whether the lock file is free on the host, asked with flock(1) there.
bool free_on_host(const LabEnv& lab) {
  const std::string file = shell_quote(StackLock::path(k_stack));
  const std::string dir = shell_quote(std::string(StackLock::k_default_dir));
  return lab.run_in(0, "mkdir -p " + dir + "; if flock -n " + file +
                           " true; then echo free; else echo busy; fi") == "free\n";
}

// Polls the lock file until it is free or `limit` passes.
bool becomes_free(const LabEnv& lab, std::chrono::seconds limit) {
  return virtplan::lab::wait_until(
      limit, [&lab] { return free_on_host(lab); }, 100ms);
}

std::string this_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

TEST_CASE("stack lock over ssh: a second connection waits, fails cleanly, then gets it", "[stack_lock]") {
  const LabEnv lab = require_lab(1);
  const std::string host = lab.hosts.at(0).name;
  auto first_connection = connect_to(lab.host_config(0));
  auto second_connection = connect_to(lab.host_config(0));
  REQUIRE(free_on_host(lab));

  std::optional<StackLock> first = must_lock(*first_connection, 0s);
  CHECK(first->held());
  CHECK_FALSE(free_on_host(lab));

  // The held channel counts against the connection's channels, and the
  // others still serve commands, many at once.
  std::vector<std::future<Result<CommandOutput>>> commands;
  for (int i = 0; i < 12; ++i) {
    commands.push_back(std::async(std::launch::async, [&, i] {
      return first_connection->run(
          Command{{"sh", "-c", "sleep 0.3; echo " + std::to_string(i)}, std::nullopt, 60s});
    }));
  }
  for (int i = 0; i < 12; ++i) {
    auto output = commands[static_cast<std::size_t>(i)].get();
    INFO((output ? std::string() : output.error().message()));
    REQUIRE(output.has_value());
    CHECK(output->out == std::to_string(i) + "\n");
  }

  const auto start = Clock::now();
  auto second = StackLock::acquire(*second_connection, k_stack, Become::none, 3s);
  const auto waited = Clock::now() - start;
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == ErrorCode::locked);
  CHECK(waited >= 3s);
  CHECK(waited < 15s);
  CHECK(second.error().message().starts_with(host + ": stack '" + k_stack +
                                             "' is locked by `virtplan` (pid " + std::to_string(::getpid()) +
                                             " on " + this_host() + ") since "));
  CHECK(second.error().message().ends_with("Z; try again when it finishes"));
  // The failed attempt left nothing running that could take the lock later.
  CHECK(second_connection->run(Command{{"true"}, std::nullopt, 30s}).has_value());

  first.reset();  // released: free on the host when the destructor returns
  CHECK(free_on_host(lab));
  auto third = must_lock(*second_connection, 0s);
  CHECK(third.held());
}

TEST_CASE("stack lock over ssh: a waiting acquire gets the lock when the holder releases it",
          "[stack_lock]") {
  const LabEnv lab = require_lab(1);
  auto first_connection = connect_to(lab.host_config(0));
  auto second_connection = connect_to(lab.host_config(0));
  std::optional<StackLock> first = must_lock(*first_connection, 0s);
  auto releaser = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(1s);
    first.reset();
  });
  const auto start = Clock::now();
  auto second = must_lock(*second_connection, 30s);
  releaser.get();
  CHECK(Clock::now() - start < 8s);
  CHECK(second.held());
}

TEST_CASE("stack lock over ssh: a holder killed with -9 leaves the lock free within seconds",
          "[stack_lock]") {
  const LabEnv lab = require_lab(1);
  REQUIRE(becomes_free(lab, 10s));
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  // Forked before this process opens any connection: the child has its own.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    char answer = 'n';
    if (auto transport = SshTransport::create(lab.host_config(0))) {
      auto lock = StackLock::acquire(**transport, k_stack, Become::none, 0s);
      answer = lock ? 'y' : 'n';
      [[maybe_unused]] auto written = ::write(ready[1], &answer, 1);
      while (true) ::pause();
    }
    [[maybe_unused]] auto written = ::write(ready[1], &answer, 1);
    ::_exit(1);
  }
  ::close(ready[1]);
  char answer = 0;
  const bool told = ::read(ready[0], &answer, 1) == 1;
  ::close(ready[0]);
  if (!told || answer != 'y') {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    FAIL("the child could not take the lock");
  }

  auto connection = connect_to(lab.host_config(0));
  auto busy = StackLock::acquire(*connection, k_stack, Become::none, 0s);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code() == ErrorCode::locked);
  CHECK(busy.error().message().find("(pid " + std::to_string(child) + " on ") != std::string::npos);

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  const auto start = Clock::now();
  auto after = must_lock(*connection, 20s);
  CHECK(Clock::now() - start < 5s);
  CHECK(after.held());
}

// Issue 15, item 4: a client that stops (SIGSTOP, a hung machine, a link
// that silently drops everything) used to keep its lock until TCP gave up,
// about two hours. Its heartbeats stop, and the host's holder lets the lock
// go within StackLock::k_silence_bound of the last one; the client, once it
// runs again, sees that it lost it.
TEST_CASE("stack lock over ssh: a client that falls silent loses the lock within the silence bound",
          "[stack_lock]") {
  const LabEnv lab = require_lab(1);
  REQUIRE(becomes_free(lab, 10s));
  int ready[2];
  int resumed[2];
  int verdict[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(resumed) == 0);
  REQUIRE(::pipe(verdict) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(resumed[1]);
    ::close(verdict[0]);
    char answer = 'n';
    auto transport = SshTransport::create(lab.host_config(0));
    std::optional<StackLock> lock;
    if (transport) {
      if (auto taken = StackLock::acquire(**transport, k_stack, Become::none, 0s))
        lock.emplace(std::move(*taken));
    }
    answer = lock ? 'y' : 'n';
    [[maybe_unused]] auto written = ::write(ready[1], &answer, 1);
    if (!lock) ::_exit(1);
    // Stopped by the parent meanwhile, then continued and told so: did the
    // lock survive?
    char go = 0;
    [[maybe_unused]] auto got = ::read(resumed[0], &go, 1);
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && lock->held()) std::this_thread::sleep_for(100ms);
    answer = lock->held() ? 'h' : 'l';
    written = ::write(verdict[1], &answer, 1);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(resumed[0]);
  ::close(verdict[1]);
  char answer = 0;
  const bool told = ::read(ready[0], &answer, 1) == 1;
  ::close(ready[0]);
  if (!told || answer != 'y') {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    FAIL("the child could not take the lock");
  }
  // Silent from now on: no heartbeat, but its connection stays up.
  ::kill(child, SIGSTOP);
  const auto stopped = Clock::now();
  auto connection = connect_to(lab.host_config(0));
  auto after = StackLock::acquire(*connection, k_stack, Become::none, StackLock::k_silence_bound + 30s);
  const auto waited = Clock::now() - stopped;
  ::kill(child, SIGCONT);
  const char go = 'g';
  [[maybe_unused]] auto sent = ::write(resumed[1], &go, 1);
  ::close(resumed[1]);
  char seen = 0;
  const bool heard = ::read(verdict[0], &seen, 1) == 1;
  ::close(verdict[0]);
  ::waitpid(child, nullptr, 0);
  INFO((after ? std::string() : after.error().message()));
  REQUIRE(after.has_value());
  // The bound, plus the I/O loop's one second of lateness and some slack for a busy host.
  CHECK(waited <= StackLock::k_silence_bound + 5s);
  CHECK(after->held());
  // The stopped client, continued, knows it lost the lock.
  CHECK(heard);
  CHECK(seen == 'l');
}

// Issue 15, item 13: the lock file used to be 0644, and under `become: sudo`
// it was written through a redirect that follows a symbolic link.
TEST_CASE(
    "stack lock over ssh: the lock file is 0660, and a symbolic link at its path is refused, its target untouched",
    "[stack_lock]") {
  const LabEnv lab = require_lab(1);
  auto connection = connect_to(lab.host_config(0));
  {
    auto lock = must_lock(*connection, 0s);
    CHECK(lab.run_in(0, "stat -c %a " + shell_quote(StackLock::path(k_stack))) == "660\n");
  }
  const std::string victim = "/root/lock-victim-" + std::to_string(getpid());
  lab.run_in(0, "echo precious > " + victim + "; chmod 644 " + victim + "; rm -f " +
                    shell_quote(StackLock::path(k_stack)) + "; ln -s " + victim + " " +
                    shell_quote(StackLock::path(k_stack)));
  auto refused = StackLock::acquire(*connection, k_stack, Become::none, 0s);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("is not a regular file: refusing to lock through it") !=
        std::string::npos);
  CHECK(lab.run_in(0, "cat " + victim + "; stat -c %a " + victim) == "precious\n644\n");
  lab.run_in(0, "rm -f " + victim + " " + shell_quote(StackLock::path(k_stack)));
}
