#include "providers/host/stack_lock.h"

#include "providers/host/local_transport.h"
#include "providers/host/stack_lock_breaker.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace virtplan::providers;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// A fresh directory for one test's lock files, removed afterwards.
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "virtplan-lock-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() { fs::remove_all(m_path); }
  std::string str() const { return m_path.string(); }
  fs::path path() const { return m_path; }

private:
  fs::path m_path;
};

Command sh(std::string script, std::chrono::milliseconds timeout = 10s) {
  return Command{{"/bin/sh", "-c", std::move(script)}, std::nullopt, timeout};
}

std::string this_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

TEST_CASE("local hold: the command runs until the handle goes, then sees the end of stdin", "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  const auto done = dir.path() / "done";
  auto outcome =
      local.hold(sh("echo starting; echo ready; cat > /dev/null; touch '" + done.string() + "'"), "ready");
  REQUIRE(outcome.has_value());
  REQUIRE(outcome->held != nullptr);
  CHECK(outcome->held->running());
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(fs::exists(done));  // still held
  outcome->held.reset();          // waits for the command to end
  CHECK(fs::exists(done));
}

TEST_CASE("local hold: a command that ends before its ready line reports how it ended", "[stack_lock]") {
  LocalTransport local;
  auto outcome = local.hold(sh("echo not-ready; echo oops >&2; exit 4"), "ready");
  REQUIRE(outcome.has_value());
  CHECK(outcome->held == nullptr);
  CHECK(outcome->ended.exit_status == 4);
  CHECK(outcome->ended.out == "not-ready\n");
  CHECK(outcome->ended.err == "oops\n");
  // "ready" inside a longer line does not count.
  auto partial = local.hold(sh("echo not ready; echo readyish; exit 0"), "ready");
  REQUIRE(partial.has_value());
  CHECK(partial->held == nullptr);
}

TEST_CASE("local hold: a command that neither gets ready nor ends times out and is stopped", "[stack_lock]") {
  LocalTransport local;
  const auto start = Clock::now();
  auto outcome = local.hold(sh("sleep 30", 500ms), "ready");
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().code() == ErrorCode::timeout);
  CHECK(Clock::now() - start < 5s);
}

TEST_CASE("local hold: running() turns false when the command ends on its own", "[stack_lock]") {
  LocalTransport local;
  auto outcome = local.hold(sh("echo ready; sleep 0.2"), "ready");
  REQUIRE(outcome.has_value());
  REQUIRE(outcome->held != nullptr);
  const auto deadline = Clock::now() + 5s;
  while (outcome->held->running() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK_FALSE(outcome->held->running());
}

TEST_CASE("stack lock: a second acquire waits, then fails naming the holder, and release frees it",
          "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  auto first = StackLock::acquire(local, "demo", Become::none, 0s, dir.str(), "virtplan apply");
  INFO((first ? "" : first.error().message()));
  REQUIRE(first.has_value());
  CHECK(first->held());
  CHECK(fs::exists(dir.path() / "demo.lock"));

  const auto start = Clock::now();
  auto second = StackLock::acquire(local, "demo", Become::none, 2s, dir.str());
  const auto waited = Clock::now() - start;
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == ErrorCode::locked);
  CHECK(waited >= 2s);
  CHECK(waited < 10s);
  const std::string expected = "local: stack 'demo' is locked by `virtplan apply` (pid " +
                               std::to_string(::getpid()) + " on " + this_host() + ") since ";
  CHECK(second.error().message().starts_with(expected));
  CHECK(second.error().message().ends_with("Z; try again when it finishes"));

  // Another stack's lock is independent.
  auto other = StackLock::acquire(local, "other", Become::none, 0s, dir.str());
  CHECK(other.has_value());

  first = std::unexpected(Error("released"));  // destroys the lock
  auto third = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  INFO((third ? "" : third.error().message()));
  CHECK(third.has_value());
}

TEST_CASE("stack lock: a waiting acquire gets the lock as soon as the holder releases it", "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  auto first = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  REQUIRE(first.has_value());
  std::thread releaser([&] {
    std::this_thread::sleep_for(500ms);
    first = std::unexpected(Error("released"));
  });
  const auto start = Clock::now();
  auto second = StackLock::acquire(local, "demo", Become::none, 20s, dir.str());
  releaser.join();
  INFO((second ? "" : second.error().message()));
  CHECK(second.has_value());
  CHECK(Clock::now() - start < 5s);
}

TEST_CASE("stack lock: a holder killed with -9 leaves the lock free", "[stack_lock]") {
  TempDir dir;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The holder: takes the lock, says so, and waits to be killed.
    ::close(ready[0]);
    LocalTransport local;
    auto lock = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
    const char answer = lock ? 'y' : 'n';
    [[maybe_unused]] auto written = ::write(ready[1], &answer, 1);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char answer = 0;
  REQUIRE(::read(ready[0], &answer, 1) == 1);
  ::close(ready[0]);
  REQUIRE(answer == 'y');

  LocalTransport local;
  auto busy = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code() == ErrorCode::locked);
  CHECK(busy.error().message().find("(pid " + std::to_string(child) + " on ") != std::string::npos);

  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  const auto start = Clock::now();
  auto after = StackLock::acquire(local, "demo", Become::none, 10s, dir.str());
  INFO((after ? "" : after.error().message()));
  CHECK(after.has_value());
  CHECK(Clock::now() - start < 3s);
}

TEST_CASE("stack lock: the command, become, and errors that are not a busy lock", "[stack_lock]") {
  FakeTransport fake("lab1");
  fake.reply("locked\n");
  {
    auto lock =
        StackLock::acquire(fake, "demo", Become::sudo, 7s, StackLock::k_default_dir, "virtplan destroy");
    REQUIRE(lock.has_value());
    CHECK(fake.releases() == 0);
  }
  CHECK(fake.releases() == 1);
  const auto command = fake.commands().at(0);
  REQUIRE(command.argv.size() == 10);
  CHECK(command.argv[0] == "sudo");
  CHECK(command.argv[1] == "-n");
  CHECK(command.argv[2] == "sh");
  CHECK(command.argv[6] == "/var/lib/virtplan/lock/demo.lock");
  CHECK(command.argv[7] == "7");
  CHECK(command.argv[8].starts_with("`virtplan destroy` (pid " + std::to_string(::getpid()) + " on "));
  CHECK(command.argv[9] == std::to_string(StackLock::k_silence_bound.count()));
  CHECK(command.timeout > 7s);

  // Busy, with nothing recorded yet (the holder was between flock and printf).
  fake.reply("", 75);
  auto busy = StackLock::acquire(fake, "demo", Become::none, 0s);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().message() ==
        "lab1: stack 'demo' is locked by another virtplan (holder not recorded yet); try again when "
        "it finishes");
  CHECK(fake.commands().at(1).argv.at(0) == "sh");

  fake.reply("", 70, "mkdir: cannot create directory '/var/lib/virtplan': Permission denied\n");
  auto denied = StackLock::acquire(fake, "demo", Become::none, 0s);
  REQUIRE_FALSE(denied.has_value());
  CHECK(denied.error().code() == ErrorCode::other);
  CHECK(denied.error().message() ==
        "lab1: stack 'demo': cannot take the lock /var/lib/virtplan/lock/demo.lock: exit status "
        "70: mkdir: cannot create directory '/var/lib/virtplan': Permission denied");

  fake.fail_next(Error(ErrorCode::unreachable, "lab1 (10.0.0.1:22): connection refused"));
  auto down = StackLock::acquire(fake, "demo", Become::none, 0s);
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().code() == ErrorCode::unreachable);

  auto bad = StackLock::acquire(fake, "../etc", Become::none, 0s);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code() == ErrorCode::invalid);
  CHECK(fake.commands().size() == 4);  // the bad name never reached the host
}

TEST_CASE("stack lock: the refusal names the command that holds it, as the holder recorded it",
          "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  auto holder = StackLock::acquire(local, "demo", Become::none, 0s, dir.str(), "virtplan import");
  REQUIRE(holder.has_value());
  // The refused process is another command: the message names the holder's.
  auto refused = StackLock::acquire(local, "demo", Become::none, 0s, dir.str(), "virtplan domain start");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == ErrorCode::locked);
  CHECK(refused.error().message().starts_with("local: stack 'demo' is locked by `virtplan import` (pid " +
                                              std::to_string(::getpid()) + " on " + this_host() +
                                              ") since "));
  CHECK(refused.error().message().find("domain start") == std::string::npos);

  // A holder line an older virtplan wrote still reads as a sentence.
  FakeTransport fake("lab1");
  fake.reply("virtplan pid 7 on ci since 2026-11-26T01:00:00Z\n", 75);
  auto old = StackLock::acquire(fake, "demo", Become::none, 0s);
  REQUIRE_FALSE(old.has_value());
  CHECK(old.error().message() ==
        "lab1: stack 'demo' is locked by virtplan pid 7 on ci since 2026-11-26T01:00:00Z; try again when it "
        "finishes");
}

namespace {

std::string file_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The host pid the holder recorded on its second line (just after it said
// "locked": waited for).
long recorded_host_pid(const fs::path& lock_file) {
  const auto deadline = Clock::now() + 5s;
  std::string text = file_text(lock_file);
  while (text.find("\nhost pid ") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    text = file_text(lock_file);
  }
  const auto at = text.find("\nhost pid ");
  REQUIRE(at != std::string::npos);
  return std::stol(text.substr(at + 10));
}

bool eventually_false(const StackLock& lock, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (lock.held() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  return !lock.held();
}

}  // namespace

// Issue 15, item 13: never readable by others. Issue 18: shared with
// libvirt's group, so members of it and root take the same lock.
TEST_CASE("stack lock: the lock file is 0660, even one an older virtplan left 0644", "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  {
    auto fresh = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
    REQUIRE(fresh.has_value());
    CHECK((fs::status(dir.path() / "demo.lock").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write));
  }
  std::ofstream(dir.path() / "old.lock") << "virtplan pid 7 on ci since 2026-11-26T01:00:00Z\n";
  fs::permissions(dir.path() / "old.lock",
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  auto old = StackLock::acquire(local, "old", Become::none, 0s, dir.str());
  REQUIRE(old.has_value());
  CHECK((fs::status(dir.path() / "old.lock").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write));
}

TEST_CASE("stack lock: a symbolic link at the lock's path is refused and its target left alone",
          "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  const fs::path victim = dir.path() / "victim";
  std::ofstream(victim) << "precious\n";
  fs::create_symlink(victim, dir.path() / "demo.lock");
  auto refused = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("is not a regular file: refusing to lock through it") !=
        std::string::npos);
  CHECK(file_text(victim) == "precious\n");
  // A hard link to another file is refused too (it is not the lock's own file).
  fs::remove(dir.path() / "demo.lock");
  fs::create_hard_link(victim, dir.path() / "demo.lock");
  auto linked = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  REQUIRE_FALSE(linked.has_value());
  CHECK(linked.error().message().find("is not a file of its own (a link, or swapped while it was opened)") !=
        std::string::npos);
  CHECK(file_text(victim) == "precious\n");
}

// Issue 15, items 3 and 4: the holder on the host is one process, recorded in
// the lock file; killing it frees the lock at once (the process waiting for
// the heartbeat does not keep it), and the client sees the lock lost.
TEST_CASE("stack lock: the holder killed on the host frees the lock at once, and the client sees it lost",
          "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  auto lock = StackLock::acquire(local, "demo", Become::none, 0s, dir.str());
  REQUIRE(lock.has_value());
  CHECK(lock->check_held("local"));
  REQUIRE(::kill(static_cast<pid_t>(recorded_host_pid(dir.path() / "demo.lock")), SIGKILL) == 0);
  const auto start = Clock::now();
  LocalTransport other;
  auto after = StackLock::acquire(other, "demo", Become::none, 20s, dir.str());
  INFO((after ? "" : after.error().message()));
  CHECK(after.has_value());
  CHECK(Clock::now() - start < 3s);
  CHECK(eventually_false(*lock, 5s));
  auto lost = lock->check_held("local");
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code() == ErrorCode::locked);
  CHECK(lost.error().message().starts_with("local: the stack lock was lost"));
}

// Issue 15, item 4: `virtplan unlock`'s two halves.
TEST_CASE("stack lock breaker: names the holder, its host pid and age, and ends exactly that holder",
          "[stack_lock]") {
  TempDir dir;
  LocalTransport local;
  auto none = find_lock_holder(local, "demo", Become::none, dir.str());
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  auto lock = StackLock::acquire(local, "demo", Become::none, 0s, dir.str(), "virtplan apply");
  REQUIRE(lock.has_value());
  const long host_pid = recorded_host_pid(dir.path() / "demo.lock");
  auto found = find_lock_holder(local, "demo", Become::none, dir.str());
  INFO((found ? "" : found.error().message()));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  const LockHolder holder = **found;
  CHECK(holder.who.starts_with("`virtplan apply` (pid " + std::to_string(::getpid()) + " on "));
  REQUIRE(holder.host_pid.has_value());
  CHECK(*holder.host_pid == host_pid);
  CHECK(holder.age < 60s);

  // A pid that does not hold the lock is not ended.
  LockHolder stranger = holder;
  stranger.host_pid = ::getpid();
  auto refused = break_stack_lock(local, "demo", Become::none, stranger, dir.str());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("does not hold the lock any more") != std::string::npos);
  CHECK(lock->held());

  auto broken = break_stack_lock(local, "demo", Become::none, holder, dir.str());
  INFO((broken ? "" : broken.error().message()));
  CHECK(broken.has_value());
  CHECK(eventually_false(*lock, 5s));
  auto after = find_lock_holder(local, "demo", Become::none, dir.str());
  REQUIRE(after.has_value());
  CHECK_FALSE(after->has_value());
  CHECK(describe_age(7384s) == "2h 03m");
  CHECK(describe_age(187s) == "3m 07s");
  CHECK(describe_age(12s) == "12s");
}
