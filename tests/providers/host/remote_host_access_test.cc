#include "providers/host/remote_host_access.h"

#include "providers/host/host_session.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace virtplan::providers;
using namespace std::chrono_literals;

namespace {

// FakeLedgerHost is one host as the ledger sees it: a FakeTransport that
// answers the ledger's read and write scripts from one stored file, counts
// the writes, and can be told to make writes slow or fail.
class FakeLedgerHost {
public:
  explicit FakeLedgerHost(std::string name) : transport(std::move(name)) {
    transport.respond_with([this](const Command& command) { return answer(command); });
  }

  std::string file() const {
    std::lock_guard lock(m_mutex);
    return m_file;
  }
  void set_file(std::string text) {
    std::lock_guard lock(m_mutex);
    m_file = std::move(text);
  }
  Ledger ledger() const { return *Ledger::parse("demo", file()); }

  FakeTransport transport;
  std::atomic<int> reads = 0;
  std::atomic<int> writes = 0;
  std::atomic<bool> fail_writes = false;
  std::atomic<int> locks = 0;
  std::atomic<bool> lock_busy = false;
  std::chrono::milliseconds write_delay{0};

private:
  // Ledger scripts: sh -c SCRIPT virtplan-ledger PATH [SIZE]; a SIZE means a write.
  // The lock script (sh -c SCRIPT virtplan-lock ...) prints its ready line, or
  // ends as a busy lock does.
  Result<CommandOutput> answer(const Command& command) {
    if (command.argv.size() > 3 && command.argv[3] == "virtplan-lock") {
      ++locks;
      if (lock_busy)
        return CommandOutput{75, "`virtplan import` (pid 7 on ci) since 2026-11-26T01:00:00Z\n", ""};
      return CommandOutput{0, "locked\n", ""};
    }
    if (!command.argv.empty() && command.argv[0] == "virsh") return CommandOutput{0, "", ""};
    if (command.argv.size() < 5 || command.argv[3] != "virtplan-ledger") {
      return CommandOutput{127, "", "unexpected command"};
    }
    if (command.argv.size() == 5) {
      ++reads;
      return CommandOutput{0, file(), ""};
    }
    std::this_thread::sleep_for(write_delay);
    ++writes;
    if (fail_writes) return CommandOutput{1, "", "mv: cannot move: read-only file system"};
    set_file(command.stdin_data.value_or(""));
    return CommandOutput{0, "", ""};
  }

  mutable std::mutex m_mutex;
  std::string m_file;
};

// Hands out a Transport that forwards to a FakeLedgerHost the test keeps.
class ForwardingTransport : public Transport {
public:
  explicit ForwardingTransport(Transport& inner) : m_inner(inner) {}
  Result<CommandOutput> run(const Command& command) override { return m_inner.run(command); }
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override {
    return m_inner.hold(command, ready_line);
  }
  const std::string& host_name() const override { return m_inner.host_name(); }

private:
  Transport& m_inner;
};

struct Rig {
  FakeLedgerHost lab1{"lab1"};
  std::atomic<int> connects = 0;

  RemoteHostAccess access(bool take_lock = false, std::chrono::milliseconds pause = 2000ms) {
    std::map<std::string, HostConfig> hosts;
    hosts["lab1"].name = "lab1";
    hosts["lab2"].name = "lab2";
    RemoteHostAccess::Options options;
    options.take_lock = take_lock;
    options.background_pause = pause;
    options.connect = [this](const HostConfig& config) -> Result<std::unique_ptr<Transport>> {
      ++connects;
      if (config.name == "lab2") return fail(ErrorCode::unreachable, "lab2: connection refused");
      return std::make_unique<ForwardingTransport>(lab1.transport);
    };
    return RemoteHostAccess("demo", std::move(hosts), std::move(options));
  }
};

ObjectId id(const std::string& kind, const std::string& name, const std::string& host = "lab1") {
  return ObjectId{kind, name, host};
}

}  // namespace

TEST_CASE("remote host access: connects once per host, on first use, and reads the ledger once") {
  Rig rig;
  auto access = rig.access();
  CHECK(rig.connects == 0);
  auto first = access.session("lab1");
  REQUIRE(first);
  auto second = access.session("lab1");
  REQUIRE(second);
  CHECK(*first == *second);
  CHECK((*first)->config().name == "lab1");
  CHECK(rig.connects == 1);
  CHECK(rig.lab1.reads == 1);
  CHECK(rig.lab1.writes == 0);
}

TEST_CASE(
    "remote host access: an unreachable host fails with the transport's message, every time, "
    "after one attempt") {
  Rig rig;
  auto access = rig.access();
  for (int i = 0; i < 3; ++i) {
    auto session = access.session("lab2");
    REQUIRE_FALSE(session);
    CHECK(session.error().message() == "lab2: connection refused");
    CHECK(session.error().code() == ErrorCode::unreachable);
  }
  CHECK(rig.connects == 1);
  auto recorded = access.record_intents("lab2", {id("volume", "v", "lab2")});
  REQUIRE_FALSE(recorded);
  CHECK(recorded.error().message() == "lab2: connection refused");
  CHECK_FALSE(access.session("nowhere"));
}

TEST_CASE("remote host access: all intents of a host in one write, saved before the call returns") {
  Rig rig;
  rig.lab1.set_file(
      R"({"format_version": "1", "stack": "demo", "objects": {"pool.old": {"state": "created", "data": {}}}})");
  auto access = rig.access();
  REQUIRE(access.record_intents("lab1", {id("pool", "p"), id("volume", "a"), id("domain", "web")}));
  CHECK(rig.lab1.writes == 1);
  CHECK(access.ledger_writes("lab1") == 1);
  const Ledger saved = rig.lab1.ledger();
  REQUIRE(saved.entries().size() == 4);
  CHECK(saved.find("pool", "old")->state == LedgerState::created);  // what was there stays
  CHECK(saved.find("pool", "p")->state == LedgerState::intent);
  CHECK(saved.find("volume", "a")->state == LedgerState::intent);
  CHECK(saved.find("domain", "web")->state == LedgerState::intent);
}

TEST_CASE("remote host access: mark_created stores the data, forget drops the entry, flush saves both") {
  Rig rig;
  auto access = rig.access();
  REQUIRE(access.record_intents("lab1", {id("volume", "a")}));
  REQUIRE(access.mark_created(id("volume", "a"), {{"sha256", "abc"}}));
  CHECK(access.flush().empty());
  CHECK(rig.lab1.ledger().find("volume", "a") ==
        LedgerEntry{"volume", "a", LedgerState::created, {{"sha256", "abc"}}});
  REQUIRE(access.forget(id("volume", "a")));
  CHECK(access.flush().empty());
  CHECK(rig.lab1.ledger().entries().empty());
  CHECK(rig.lab1.reads == 1);
}

TEST_CASE("remote host access: records reach the host in the background, without flush") {
  Rig rig;
  auto access = rig.access(false, 50ms);
  REQUIRE(access.mark_created(id("volume", "a"), {{"sha256", "abc"}}));
  // The saver writes it soon; nothing else asks it to.
  for (int i = 0; i < 500 && !rig.lab1.ledger().owns("volume", "a"); ++i) std::this_thread::sleep_for(10ms);
  CHECK(rig.lab1.ledger().owns("volume", "a"));
}

TEST_CASE(
    "remote host access: records gather for the pause and go in one write, or at once when the apply is "
    "finished with the host") {
  Rig rig;
  auto access = rig.access(false, 1h);  // a pause no test outlives
  REQUIRE(access.mark_created(id("volume", "a"), {}));
  REQUIRE(access.mark_created(id("volume", "b"), {}));
  // The saver waits out its pause before the first save too...
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(rig.lab1.ledger().owns("volume", "a"));
  CHECK(rig.lab1.writes == 0);
  // ...until the apply says it has nothing more for the host: both in one write.
  access.finished_with("lab1");
  for (int i = 0; i < 500 && !rig.lab1.ledger().owns("volume", "b"); ++i) std::this_thread::sleep_for(10ms);
  CHECK(rig.lab1.ledger().owns("volume", "a"));
  CHECK(rig.lab1.ledger().owns("volume", "b"));
  CHECK(rig.lab1.writes == 1);
}

TEST_CASE("remote host access: concurrent changes share saves, and none is lost") {
  Rig rig;
  rig.lab1.write_delay = 40ms;
  auto access = rig.access();
  REQUIRE(access.session("lab1"));
  constexpr int k_steps = 16;
  std::atomic<int> failed = 0;  // Catch's REQUIRE is not for other threads
  {
    std::vector<std::jthread> steps;
    for (int i = 0; i < k_steps; ++i) {
      steps.emplace_back([&, i] {
        const std::string name = "v" + std::to_string(i);
        if (!access.mark_created(id("volume", name), {{"n", i}})) ++failed;
      });
    }
  }
  CHECK(access.flush().empty());
  CHECK(failed == 0);
  CHECK(rig.lab1.ledger().entries().size() == k_steps);
  // Coalesced: far fewer writes than changes (a save runs while the others
  // pile up behind it).
  CHECK(rig.lab1.writes < k_steps);
  INFO("writes: " << rig.lab1.writes);
}

TEST_CASE("remote host access: a failed save is flush's error, and the next save carries the change") {
  Rig rig;
  auto access = rig.access();
  REQUIRE(access.session("lab1"));
  rig.lab1.fail_writes = true;
  REQUIRE(access.mark_created(id("volume", "a"), nlohmann::json::object()));
  auto errors = access.flush();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message() ==
        "lab1: writing /var/lib/virtplan/ledger/demo.json failed: mv: cannot move: read-only file system");
  // Intents still wait for their save, and fail with it.
  auto intents = access.record_intents("lab1", {id("volume", "c")});
  REQUIRE_FALSE(intents);
  rig.lab1.fail_writes = false;
  REQUIRE(access.mark_created(id("volume", "b"), nlohmann::json::object()));
  CHECK(access.flush().empty());
  CHECK(rig.lab1.ledger().owns("volume", "a"));
  CHECK(rig.lab1.ledger().owns("volume", "b"));
}

TEST_CASE(
    "remote host access: the stack lock is taken before the ledger is read, and released with the access") {
  Rig rig;
  {
    auto access = rig.access(true);
    REQUIRE(access.session("lab1"));
    const auto argvs = rig.lab1.transport.argvs();
    REQUIRE(argvs.size() == 2);
    CHECK(argvs[0][3] == "virtplan-lock");
    CHECK(argvs[0][4] == "/var/lib/virtplan/lock/demo.lock");
    CHECK(argvs[1][3] == "virtplan-ledger");
    CHECK(rig.lab1.transport.releases() == 0);
  }
  CHECK(rig.lab1.transport.releases() == 1);
}

TEST_CASE(
    "remote host access: a busy stack lock fails the host with the lock's message, nothing read or written") {
  Rig rig;
  rig.lab1.lock_busy = true;
  auto access = rig.access(true);
  auto session = access.session("lab1");
  REQUIRE_FALSE(session);
  CHECK(session.error().code() == ErrorCode::locked);
  CHECK(session.error().message() ==
        "lab1: stack 'demo' is locked by `virtplan import` (pid 7 on ci) since 2026-11-26T01:00:00Z; "
        "try again when it finishes");
  CHECK_FALSE(access.record_intents("lab1", {id("volume", "a")}));
  CHECK(rig.lab1.reads == 0);
  CHECK(rig.lab1.writes == 0);
  CHECK(rig.lab1.locks == 1);
}

// Decision 10: a lock lost mid-apply (its holder killed on the host, its
// connection broken or silent) stops everything on the host at once.
TEST_CASE(
    "remote host access: once the stack lock is lost, nothing more reaches the host, not even the ledger") {
  Rig rig;
  auto access = rig.access(true);
  auto session = access.session("lab1");
  REQUIRE(session);
  REQUIRE(access.record_intents("lab1", {id("volume", "a")}));
  REQUIRE((*session)->virsh().run({"define", "/dev/stdin"}, "<domain/>"));
  REQUIRE(access.mark_created(id("volume", "a"), nlohmann::json::object()));
  const std::size_t sent = rig.lab1.transport.commands().size();

  rig.lab1.transport.lose_holds();

  auto again = access.session("lab1");
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::locked);
  CHECK(again.error().message().starts_with("lab1: the stack lock was lost"));
  auto defined = (*session)->virsh().run({"define", "/dev/stdin"}, "<domain/>");
  REQUIRE_FALSE(defined);
  CHECK(defined.error().message().find("the stack lock was lost") != std::string::npos);
  CHECK_FALSE(access.record_intents("lab1", {id("volume", "b")}));
  CHECK_FALSE(access.forget(id("volume", "a")));
  // Whatever was recorded before the loss and not yet saved stays unsaved
  // (the next apply adopts it from its intent): flush writes nothing.
  for (const Error& error : access.flush()) CHECK(error.code() == ErrorCode::locked);
  CHECK(rig.lab1.transport.commands().size() == sent);
}

namespace {

// Two hosts whose lock commands the test answers by hand, in the order it
// chooses, to see which lock an access asks for first.
struct TwoLockHosts {
  FakeLedgerHost lab1{"lab1"};
  FakeLedgerHost lab2{"lab2"};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> asked;  // hosts whose lock was asked for, in order
  bool lab1_free = false;

  TwoLockHosts() {
    lab1.transport.respond_with(
        [this](const Command& command) { return lock_or_ledger(lab1, command, true); });
    lab2.transport.respond_with(
        [this](const Command& command) { return lock_or_ledger(lab2, command, false); });
  }

  Result<CommandOutput> lock_or_ledger(FakeLedgerHost& host, const Command& command, bool waits) {
    if (command.argv.size() > 3 && command.argv[3] == "virtplan-lock") {
      std::unique_lock lock(mutex);
      asked.push_back(host.transport.host_name());
      changed.notify_all();
      if (waits) changed.wait(lock, [&] { return lab1_free; });
      return CommandOutput{0, "locked\n", ""};
    }
    return CommandOutput{0, "", ""};  // the ledger: empty
  }

  RemoteHostAccess access() {
    std::map<std::string, HostConfig> hosts;
    hosts["lab1"].name = "lab1";
    hosts["lab2"].name = "lab2";
    RemoteHostAccess::Options options;
    options.lock_wait = 60s;
    options.connect = [this](const HostConfig& config) -> Result<std::unique_ptr<Transport>> {
      return std::make_unique<ForwardingTransport>(config.name == "lab1" ? lab1.transport : lab2.transport);
    };
    return RemoteHostAccess("demo", std::move(hosts), std::move(options));
  }
};

}  // namespace

// Issue 15, item 5: with --lock-wait, two applies that each took one host's
// lock would wait for each other until the timeout. Locks go in host-name
// order, so an apply that waits for lab1 holds nothing on lab2 meanwhile.
TEST_CASE(
    "remote host access: with a lock wait, a host's lock is asked for only after every host named before it") {
  TwoLockHosts hosts;
  auto access = hosts.access();
  auto lab2 = std::async(std::launch::async, [&] { return access.session("lab2"); });
  std::vector<std::string> asked_first;
  {
    std::unique_lock lock(hosts.mutex);
    hosts.changed.wait_for(lock, 10s, [&] { return !hosts.asked.empty(); });
    asked_first = hosts.asked;
    hosts.lab1_free = true;
    hosts.changed.notify_all();
  }
  // lab1's lock is being waited for; lab2's was not asked for.
  CHECK(asked_first == std::vector<std::string>{"lab1"});
  REQUIRE(lab2.get());
  CHECK(hosts.asked == std::vector<std::string>{"lab1", "lab2"});
  REQUIRE(access.session("lab1"));
}
