// VirshShell and VirshShellPool against a real virsh on this machine, through
// LocalTransport: libvirt's test driver (test:///default) lives inside the
// virsh process, so what one command defines the next one sees only when
// both ran in the same virsh: the shell's whole point.

#include "providers/virsh/shell.h"
#include "providers/host/local_transport.h"
#include "providers/host/shell_quote.h"
#include "providers/virsh/runner.h"
#include "providers/virsh/shell_pool.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace virtplan::providers;

namespace {

const std::string k_test_uri = "test:///default";
constexpr auto k_timeout = std::chrono::seconds(20);

std::string domain_xml(const std::string& name) {
  // Built by hand on purpose: the test must not depend on the code under test
  // for its input. (Production XML goes through providers/xml/document.h.)
  return "<domain type='test'><name>" + name +
         "</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";
}

std::string escaped(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '\'')
      out += "&apos;";
    else
      out += c;
  }
  return out;
}

std::unique_ptr<VirshShell> start_shell(LocalTransport& local) {
  auto shell = VirshShell::start(local, k_test_uri, Become::none);
  INFO((shell ? "" : shell.error().message()));
  REQUIRE(shell.has_value());
  return std::move(*shell);
}

Result<std::string> run_ok(VirshShell& shell, VirshCall call) {
  auto outcome = shell.run(call, k_timeout);
  REQUIRE(outcome.has_value());
  return std::move(*outcome);
}

// A private TMPDIR for the shells a test starts, restored after it.
class PrivateTmpdir {
public:
  PrivateTmpdir()
      : m_dir(std::filesystem::temp_directory_path() / ("vp-shell-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(m_dir);
    if (const char* old = std::getenv("TMPDIR")) m_old = old;
    setenv("TMPDIR", m_dir.c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (m_old)
      setenv("TMPDIR", m_old->c_str(), 1);
    else
      unsetenv("TMPDIR");
    std::filesystem::remove_all(m_dir);
  }
  bool empty() const { return std::filesystem::is_empty(m_dir); }
  void point_at_nothing() { setenv("TMPDIR", (m_dir / "missing").c_str(), 1); }

private:
  std::filesystem::path m_dir;
  std::optional<std::string> m_old;
};

}  // namespace

TEST_CASE("virsh shell: one virsh for many commands, each with its own output, error and document") {
  LocalTransport local;
  auto shell = start_shell(local);
  auto defined = run_ok(*shell, {{"define", "/dev/stdin"}, domain_xml("vpshell-a")});
  CHECK(defined.has_value());
  // The test driver forgets everything when virsh exits: seeing the domain
  // proves the second command ran in the same virsh as the first.
  auto listed = run_ok(*shell, {{"list", "--all", "--name"}, std::nullopt});
  REQUIRE(listed.has_value());
  CHECK(listed->find("vpshell-a\n") != std::string::npos);
  auto missing = run_ok(*shell, {{"dominfo", "--domain", "vpshell-none"}, std::nullopt});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == ErrorCode::not_found);
  CHECK(missing.error().message().starts_with("local: virsh dominfo: "));
  // The failure stays with its command.
  auto dumped = run_ok(*shell, {{"dumpxml", "--domain", "vpshell-a"}, std::nullopt});
  REQUIRE(dumped.has_value());
  CHECK(dumped->find("<name>vpshell-a</name>") != std::string::npos);
  CHECK(shell->queued() == 0);
  CHECK_FALSE(shell->broken());
  // Word for word what a virsh process of its own prints.
  VirshRunner alone(local, k_test_uri);
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"list", "--name", "--state-running"},
        std::vector<std::string>{"domstate", "--domain", "test"},
        std::vector<std::string>{"dumpxml", "--domain", "test"}}) {
    auto shared = run_ok(*shell, {command, std::nullopt});
    auto own = alone.run(command);
    REQUIRE(shared.has_value());
    REQUIRE(own.has_value());
    CHECK(*shared == *own);
  }
}

TEST_CASE("virsh shell: a command virsh cannot parse fails with virsh's words, and the next one runs") {
  // virsh parses a whole line before running any of it: an option this
  // host's virsh does not know (an older libvirt) must not take the end
  // markers with it, or the call would take the next call's output and the
  // next call would wait for the runner's timeout (minutes).
  LocalTransport local;
  auto shell = start_shell(local);
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = shell->run_all({{{"list", "--no-such-option"}, std::nullopt},
                                  {{"nosuchcommand", "x"}, std::nullopt},
                                  {{"list", "--all", "--name"}, std::nullopt}},
                                 k_timeout);
  CHECK(std::chrono::steady_clock::now() - start < k_timeout / 2);
  REQUIRE(outcomes.size() == 3);
  REQUIRE(outcomes[0].has_value());
  REQUIRE_FALSE(outcomes[0]->has_value());
  CHECK(outcomes[0]->error().message().find("--no-such-option") != std::string::npos);
  REQUIRE(outcomes[1].has_value());
  REQUIRE_FALSE(outcomes[1]->has_value());
  CHECK(outcomes[1]->error().message().find("nosuchcommand") != std::string::npos);
  REQUIRE(outcomes[2].has_value());
  REQUIRE(outcomes[2]->has_value());
  VirshRunner alone(local, k_test_uri);
  CHECK(**outcomes[2] == alone.run({"list", "--all", "--name"}).value());
  CHECK_FALSE(shell->broken());
  // Output is still exactly the command's, with nothing of the prompts.
  auto shared = run_ok(*shell, {{"dumpxml", "--domain", "test"}, std::nullopt});
  auto own = alone.run({"dumpxml", "--domain", "test"});
  REQUIRE(shared.has_value());
  REQUIRE(own.has_value());
  CHECK(*shared == *own);
}

TEST_CASE("virsh shell: thirty threads at once get their own results") {
  LocalTransport local;
  auto shell = start_shell(local);
  std::vector<std::future<std::pair<Result<std::string>, Result<std::string>>>> calls;
  for (int i = 0; i < 30; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      const std::string name = "vpshell-t" + std::to_string(i);
      auto define = shell->run({{"define", "/dev/stdin"}, domain_xml(name)}, k_timeout);
      auto dump = shell->run({{"dumpxml", "--domain", name}, std::nullopt}, k_timeout);
      return std::pair{define.value_or(Result<std::string>(fail(ErrorCode::other, "not run"))),
                       dump.value_or(Result<std::string>(fail(ErrorCode::other, "not run")))};
    }));
  }
  for (int i = 0; i < 30; ++i) {
    auto [define, dump] = calls[static_cast<std::size_t>(i)].get();
    CHECK(define.has_value());
    REQUIRE(dump.has_value());
    CHECK(dump->find("<name>vpshell-t" + std::to_string(i) + "</name>") != std::string::npos);
  }
}

TEST_CASE("virsh shell: hostile names and documents stay words and data") {
  PrivateTmpdir tmp;
  LocalTransport local;
  auto shell = start_shell(local);
  const std::string victim = "vpshell-victim";
  REQUIRE(run_ok(*shell, {{"define", "/dev/stdin"}, domain_xml(victim)}).has_value());
  // Quotes, ';', sh and virsh syntax in a name and in a document: none may
  // run anything, end a quote early or cut a document.
  const std::string hostile = "x' ; undefine --domain " + victim + " ; echo '$(touch pwned)`touch pwned2`";
  std::string document = domain_xml(escaped(hostile));
  document.insert(document.find("<os>"),
                  "<description>\nEOF\n'EOF'\nvpdoc0\nd0\nd1\nit's $(touch pwned3)\n</description>");
  auto defined = run_ok(*shell, {{"define", "/dev/stdin"}, document});
  INFO((defined ? "" : defined.error().message()));
  REQUIRE(defined.has_value());
  auto info = run_ok(*shell, {{"dominfo", "--domain", hostile}, std::nullopt});
  REQUIRE(info.has_value());
  CHECK(info->find("Name:           " + hostile) != std::string::npos);
  CHECK(run_ok(*shell, {{"domstate", "--domain", victim}, std::nullopt}).has_value());
  auto description = run_ok(*shell, {{"desc", "--domain", hostile}, std::nullopt});
  REQUIRE(description.has_value());
  CHECK(description->find("\nEOF\n'EOF'\nvpdoc0\nd0\nd1\nit's $(touch pwned3)\n") != std::string::npos);
  shell.reset();
  CHECK(tmp.empty());  // neither pwned file, and the shell's directory is gone
}

// The markers are one random word per shell, the same for every call: output
// that looks like a marker, an echoed line or an error, and a line long
// enough for readline to scroll its echo, must not move where a call's output
// starts or ends.
TEST_CASE("virsh shell: output that looks like markers, errors or echoed lines stays its command's") {
  LocalTransport local;
  auto shell = start_shell(local);
  const std::string name = "vpshell-" + std::string(300, 'm') + "\\x";  // scrolled echo, a backslash
  const std::string text =
      "\nvirsh # echo a\\bcdefghijkl;desc;echo --err a\\bcdefghijkl\nabcdefghijkl\nerror: abcdefghijkl\n"
      "vp0123456789abcdef-1s\nerror: vp0123456789abcdef-1e\nvirsh # echo --err abcdefghijk\nvirsh # \\\n";
  std::string document = domain_xml(escaped(name));
  document.insert(document.find("<os>"), "<description>" + escaped(text) + "</description>");
  auto defined = run_ok(*shell, {{"define", "/dev/stdin"}, document});
  INFO((defined ? "" : defined.error().message()));
  REQUIRE(defined.has_value());
  auto outcomes = shell->run_all({{{"desc", "--domain", name}, std::nullopt},
                                  {{"domstate", "--domain", name}, std::nullopt},
                                  {{"desc", "--domain", name}, std::nullopt}},
                                 k_timeout);
  REQUIRE(outcomes.size() == 3);
  for (auto& outcome : outcomes) REQUIRE((outcome && *outcome));
  CHECK(**outcomes[0] == **outcomes[2]);
  CHECK((**outcomes[0]).find(text) != std::string::npos);
  CHECK((**outcomes[1]).find("shut off") != std::string::npos);
  CHECK((**outcomes[1]).find("error") == std::string::npos);
  auto missing = run_ok(*shell, {{"dominfo", "--domain", name + "-none"}, std::nullopt});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == ErrorCode::not_found);
}

namespace {

std::set<std::string> shm_shell_dirs() {
  std::set<std::string> dirs;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
    if (entry.path().filename().string().starts_with("virtplan-virsh.")) dirs.insert(entry.path().string());
  }
  return dirs;
}

}  // namespace

// Each document is a file in the shell's directory: in tmpfs, not on a disk
// file system where each new file cost sh ~1 ms of the host's CPU.
TEST_CASE("virsh shell: without TMPDIR its directory and documents are in /dev/shm, and go with it") {
  if (!std::filesystem::is_directory("/dev/shm")) {
    WARN("no /dev/shm here");
    return;
  }
  std::optional<std::string> old;
  if (const char* set = std::getenv("TMPDIR")) old = set;
  unsetenv("TMPDIR");
  const auto before = shm_shell_dirs();
  LocalTransport local;
  auto shell = start_shell(local);
  // Other tests' shells (and the lab hosts', which share this /dev/shm) may
  // come and go meanwhile: this shell's directory is the new one holding
  // this document.
  const std::string name = "vpshell-shm-" + std::to_string(getpid());
  CHECK(run_ok(*shell, {{"define", "/dev/stdin"}, domain_xml(name)}).has_value());
  std::set<std::string> mine;
  for (const auto& dir : shm_shell_dirs()) {
    std::ifstream document(dir + "/d0");
    const std::string text{std::istreambuf_iterator<char>(document), {}};
    if (!before.contains(dir) && text.find(name) != std::string::npos) mine.insert(dir);
  }
  CHECK(mine.size() == 1);
  shell.reset();
  for (const auto& dir : mine) CHECK_FALSE(std::filesystem::exists(dir));
  if (old) setenv("TMPDIR", old->c_str(), 1);
}

TEST_CASE("virsh shell: only printable ASCII words are sent to a shell") {
  CHECK(
      VirshShell::takes({{"define", "/dev/stdin"}, "<domain>\n\t\xc3\xa9</domain>"}));  // documents: anything
  CHECK_FALSE(VirshShell::takes({{"desc", "--domain", "a", "line\nline"}, std::nullopt}));
  CHECK_FALSE(VirshShell::takes({{"desc", "--domain", "a", "tab\there"}, std::nullopt}));
  CHECK_FALSE(VirshShell::takes({{"desc", "--domain", "caf\xc3\xa9"}, std::nullopt}));
  CHECK_FALSE(VirshShell::takes({{}, std::nullopt}));
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  VirshShellPool pool(alone, VirshShellPool::Options{2});
  CHECK(pool.takes({{"define", "/dev/stdin"}, "<domain/>"}));
  CHECK_FALSE(pool.takes({{"start", "--domain", "a"}, std::nullopt}));  // slow: runs alone
  CHECK_FALSE(pool.takes({{"desc", "--domain", "caf\xc3\xa9"}, std::nullopt}));
}

TEST_CASE(
    "virsh shell: a call that gets no answer in time breaks the shell, and later calls fail rather than run twice") {
  LocalTransport local;
  auto shell = start_shell(local);
  auto waited =
      shell->run({{"event", "--all", "--timeout", "2"}, std::nullopt}, std::chrono::milliseconds(300));
  REQUIRE(waited.has_value());
  REQUIRE_FALSE(waited->has_value());
  CHECK(waited->error().code() == ErrorCode::timeout);
  CHECK(waited->error().message() == "local: virsh event: no answer from the shared virsh within 300 ms");
  CHECK(shell->broken());
  // Not sent at all: the caller may run it elsewhere.
  CHECK_FALSE(shell->run({{"list", "--name"}, std::nullopt}, k_timeout).has_value());
}

TEST_CASE(
    "virsh shell: when its virsh exits (libvirtd killed under it, say), the calls sent to it end at once") {
  PrivateTmpdir tmp;
  LocalTransport local;
  auto shell = start_shell(local);
  const auto start = std::chrono::steady_clock::now();
  // `quit` ends virsh as a lost connection can; the call after it was sent
  // to the same virsh and never read.
  auto outcomes = shell->run_all({{{"quit"}, std::nullopt}, {{"list", "--name"}, std::nullopt}}, k_timeout);
  CHECK(std::chrono::steady_clock::now() - start < k_timeout / 2);
  REQUIRE(outcomes.size() == 2);
  REQUIRE(outcomes[0].has_value());
  REQUIRE_FALSE(outcomes[0]->has_value());
  CHECK(outcomes[0]->error().message().find("local: virsh quit: stopped before this command finished: ") ==
        0);
  CHECK_FALSE(outcomes[1].has_value());  // never run: the caller may run it elsewhere
  CHECK(shell->broken());
  shell.reset();
  CHECK(tmp.empty());
}

TEST_CASE("virsh shell: a virsh that fails and exits mid-command ends its shell and the call at once") {
  PrivateTmpdir tmp;
  // A virsh that reads its first line, echoes it after its prompt as
  // readline does (the call has started), and exits with an error, as the
  // real one can when libvirtd is killed under it.
  const auto bin = std::filesystem::temp_directory_path() / ("vp-fake-virsh-" + std::to_string(getpid()));
  std::filesystem::create_directories(bin);
  std::ofstream(bin / "virsh")
      << "#!/bin/sh\nread line\nprintf 'virsh # %s\\n' \"$line\"\n"
         "echo 'error: Disconnected from qemu:///system due to end of file' >&2\nexit 1\n";
  std::filesystem::permissions(bin / "virsh", std::filesystem::perms::owner_all);
  const std::string path = std::getenv("PATH");
  setenv("PATH", (bin.string() + ":" + path).c_str(), 1);
  LocalTransport local;
  auto shell = start_shell(local);
  const auto start = std::chrono::steady_clock::now();
  auto outcome =
      shell->run({{"vol-create", "--pool", "p", "/dev/stdin"}, std::string("<volume/>")}, k_timeout);
  setenv("PATH", path.c_str(), 1);
  CHECK(std::chrono::steady_clock::now() - start < k_timeout / 2);
  REQUIRE(outcome.has_value());
  REQUIRE_FALSE(outcome->has_value());
  CHECK(
      outcome->error().message() ==
      "local: virsh vol-create: stopped before this command finished: the host's shared virsh ended (exit status "
      "138): Disconnected from qemu:///system due to end of file");
  shell.reset();
  std::filesystem::remove_all(bin);
  CHECK(tmp.empty());  // the shell's directory went with it
}

TEST_CASE("virsh shell pool: a call run aside holds up no other call while another shell can take it") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  {
    VirshShellPool pool(alone, VirshShellPool::Options{2});
    VirshRunner virsh(local, k_test_uri, Become::none, &pool);
    REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());  // a first shell, idle now
    // `event --timeout 5` keeps its virsh busy for five seconds.
    pool.run_aside({{"event", "--all", "--timeout", "5"}, std::nullopt}, k_timeout);
    const auto deadline = std::chrono::steady_clock::now() + k_timeout;
    while (pool.held_aside() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(pool.held_aside() == 1);
    // These go to a second shell, started for them, not behind the event loop.
    for (int i = 0; i < 5; ++i) {
      auto listed = virsh.run({"list", "--all", "--name"});
      REQUIRE(listed.has_value());
      CHECK(listed->find("test\n") != std::string::npos);
    }
    CHECK(pool.held_aside() == 1);  // answered while the aside call still runs
    CHECK(pool.shells_started() == 2);
  }
  CHECK(tmp.empty());  // the pool's end waited for the aside call, then ended both shells
}

TEST_CASE(
    "virsh shell pool: a call held aside runs in a shell, not a virsh of its own, and the calls meanwhile go to "
    "another shell") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  VirshShellPool pool(alone, VirshShellPool::Options{2});
  VirshRunner virsh(local, k_test_uri, Become::none, &pool);
  REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());  // a first shell, idle now
  // `event --timeout 5` keeps its virsh busy for five seconds, as a
  // network's start does for a moment; a virsh of its own would not count.
  auto held = std::async(std::launch::async, [&] {
    return virsh.run_aside({"event", "--all", "--timeout", "5"});
  });
  const auto deadline = std::chrono::steady_clock::now() + k_timeout;
  while (pool.held_aside() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(pool.held_aside() == 1);
  for (int i = 0; i < 5; ++i) REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
  CHECK(pool.held_aside() == 1);  // answered while the held call still runs: not behind it
  auto answered = held.get();
  CHECK(answered.has_value());  // its caller waited for its answer
  CHECK(pool.held_aside() == 0);
  CHECK(pool.shells_started() == 2);
  CHECK(pool.commands_answered() == 7);  // the event call too: it ran in a shell
}

TEST_CASE("virsh shell pool: shells start as commands wait, up to the limit, and end with the pool") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  {
    VirshShellPool pool(alone, VirshShellPool::Options{2});
    VirshRunner virsh(local, k_test_uri, Become::none, &pool);
    std::vector<std::future<Result<std::string>>> calls;
    for (int i = 0; i < 40; ++i) {
      calls.push_back(std::async(std::launch::async, [&] { return virsh.run({"list", "--all", "--name"}); }));
    }
    for (auto& call : calls) {
      auto listed = call.get();
      REQUIRE(listed.has_value());
      CHECK(listed->find("test\n") != std::string::npos);  // the test driver's own domain
    }
    CHECK(pool.shells_started() >= 1);
    CHECK(pool.shells_started() <= 2);
    CHECK_FALSE(tmp.empty());  // the shells' directories, while they run
  }
  CHECK(tmp.empty());
}

TEST_CASE("virsh shell pool: where a shell cannot start, commands run alone and no more shells are tried") {
  PrivateTmpdir tmp;
  tmp.point_at_nothing();  // mktemp fails: the shell ends before any command
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  VirshShellPool pool(alone, VirshShellPool::Options{3});
  VirshRunner virsh(local, k_test_uri, Become::none, &pool);
  for (int i = 0; i < 3; ++i) {
    auto listed = virsh.run({"list", "--all", "--name"});
    INFO((listed ? "" : listed.error().message()));
    REQUIRE(listed.has_value());
    CHECK(*listed == "test\n");
  }
  CHECK(pool.shells_started() == 1);
  // Nor when the shell that fails is the warm-up's.
  VirshShellPool warmed(alone, VirshShellPool::Options{3});
  warmed.warm_up();
  VirshRunner through_warmed(local, k_test_uri, Become::none, &warmed);
  for (int i = 0; i < 3; ++i) REQUIRE(through_warmed.run({"list", "--all", "--name"}).has_value());
  CHECK(warmed.shells_started() == 1);
  CHECK(warmed.commands_answered() == 0);
}

TEST_CASE("virsh shell: a batch runs back to back in the shell, each call with its own result") {
  LocalTransport local;
  auto shell = start_shell(local);
  auto outcomes = shell->run_all({{{"define", "/dev/stdin"}, domain_xml("vpshell-b")},
                                  {{"list", "--all", "--name"}, std::nullopt},
                                  {{"dominfo", "--domain", "vpshell-none"}, std::nullopt},
                                  {{"dumpxml", "--domain", "vpshell-b"}, std::nullopt}},
                                 k_timeout);
  REQUIRE(outcomes.size() == 4);
  for (const auto& outcome : outcomes) REQUIRE(outcome.has_value());
  CHECK(outcomes[0]->has_value());
  REQUIRE(outcomes[1]->has_value());
  CHECK(outcomes[1]->value().find("vpshell-b\n") != std::string::npos);
  REQUIRE_FALSE(outcomes[2]->has_value());
  CHECK(outcomes[2]->error().message().starts_with("local: virsh dominfo: "));
  REQUIRE(outcomes[3]->has_value());
  CHECK(outcomes[3]->value().find("<name>vpshell-b</name>") != std::string::npos);
  CHECK(shell->queued() == 0);
  // Word for word what a batch in a virsh process of its own prints.
  const std::vector<std::vector<std::string>> reads = {{"list", "--name", "--state-running"},
                                                       {"domstate", "--domain", "test"},
                                                       {"dumpxml", "--domain", "test"}};
  std::vector<VirshCall> calls;
  for (const auto& read : reads) calls.push_back({read, std::nullopt});
  auto shared = shell->run_all(calls, k_timeout);
  auto own = VirshRunner(local, k_test_uri).batch(reads);
  REQUIRE(shared.size() == own.size());
  for (std::size_t i = 0; i < own.size(); ++i) {
    REQUIRE(shared[i].has_value());
    REQUIRE(shared[i]->has_value());
    REQUIRE(own[i].has_value());
    CHECK(shared[i]->value() == *own[i]);
  }
}

TEST_CASE(
    "virsh shell pool: a runner's batch goes to a running shell, and to its own virsh where none can start") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  {
    VirshShellPool pool(alone, VirshShellPool::Options{1});
    VirshRunner virsh(local, k_test_uri, Become::none, &pool);
    auto results = virsh.batch_calls(
        {{{"define", "/dev/stdin"}, domain_xml("vpshell-c")}, {{"list", "--all", "--name"}, std::nullopt}});
    REQUIRE(results.size() == 2);
    REQUIRE(results[1].has_value());
    CHECK(results[1]->find("vpshell-c\n") != std::string::npos);
    CHECK(pool.commands_answered() == 2);
    // The test driver forgets when its virsh ends: the shell still knows the
    // domain, so the batch ran there and not in a virsh of its own.
    auto later = virsh.run({"list", "--all", "--name"});
    REQUIRE(later.has_value());
    CHECK(later->find("vpshell-c\n") != std::string::npos);
    CHECK(pool.shells_started() == 1);
    // A batch with a call no shell takes (not quick) runs in its own virsh.
    auto mixed = virsh.batch({{"list", "--all", "--name"}, {"start", "--domain", "vpshell-c"}});
    REQUIRE(mixed[0].has_value());
    CHECK(mixed[0]->find("vpshell-c") == std::string::npos);
    CHECK(pool.commands_answered() == 3);
  }
  tmp.point_at_nothing();  // mktemp fails: no shell starts
  VirshShellPool broken(alone, VirshShellPool::Options{1});
  VirshRunner virsh(local, k_test_uri, Become::none, &broken);
  auto results = virsh.batch({{"list", "--all", "--name"}, {"domstate", "--domain", "test"}});
  REQUIRE(results[0].has_value());
  CHECK(*results[0] == "test\n");
  REQUIRE(results[1].has_value());
  CHECK(*results[1] == "running\n");
  CHECK(broken.commands_answered() == 0);
}

TEST_CASE(
    "virsh shell pool: warm_up starts two shells before any command, which the first commands then use") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  {
    VirshShellPool pool(alone, VirshShellPool::Options{4, 2});
    pool.warm_up();
    pool.warm_up();  // once is enough: no more shells
    for (int i = 0; i < 100 && pool.shells_started() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(pool.shells_started() == 2);
    CHECK(pool.commands_answered() == 0);
    VirshRunner virsh(local, k_test_uri, Become::none, &pool);
    REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
    REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
    CHECK(pool.shells_started() == 2);
    CHECK(pool.commands_answered() == 2);
  }
  // A pool that goes while its warm-up runs waits for it, and ends its shell.
  { VirshShellPool(alone, VirshShellPool::Options{4}).warm_up(); }
  CHECK(tmp.empty());
}

TEST_CASE("virsh shell pool: the host's CPUs come from nodeinfo's CPU(s) line") {
  LocalTransport local;
  auto info = VirshRunner(local, k_test_uri).run({"nodeinfo"});
  REQUIRE(info.has_value());
  CHECK(VirshShellPool::cpus_in(*info) == 16);  // the test driver's host
  CHECK(VirshShellPool::cpus_in(
            "CPU model:           x86_64\nCPU(s):              2\nCPU frequency: 2000 MHz\n") == 2);
  CHECK(VirshShellPool::cpus_in("CPU(s): 64") == 64);
  CHECK(VirshShellPool::cpus_in("CPU model: x86_64\n") == std::nullopt);
  CHECK(VirshShellPool::cpus_in("CPU(s):  many\n") == std::nullopt);
  CHECK(VirshShellPool::cpus_in("CPU(s): 0\n") == std::nullopt);
}

namespace {

// A transport whose streamed commands (shared virshes) lose their connection
// as soon as a call containing `breaking_word` is written to them, the call's
// echoed line never seen: the call may or may not have run on the host.
class ConnectionLosingTransport : public Transport {
public:
  explicit ConnectionLosingTransport(std::string breaking_word) : m_breaking_word(std::move(breaking_word)) {}

  Result<CommandOutput> run(const Command& command) override {
    std::lock_guard lock(m_mutex);
    m_alone.push_back(shell_join(command.argv));
    return CommandOutput{0, "", ""};
  }
  Result<HoldOutcome> hold(const Command&, std::string_view) override {
    return fail(ErrorCode::other, "no holds here");
  }
  bool can_stream() const override { return true; }
  Result<std::unique_ptr<CommandStream>> stream(const Command&, StreamSink sink) override {
    std::lock_guard lock(m_mutex);
    ++m_streams;
    return std::unique_ptr<CommandStream>(std::make_unique<Losing>(*this, std::move(sink)));
  }
  const std::string& host_name() const override { return m_name; }

  // How often the breaking word was sent, in a shell or alone.
  int sends_of_breaking_word() {
    std::lock_guard lock(m_mutex);
    int sends = m_written_breaking;
    for (const auto& line : m_alone) sends += line.find(m_breaking_word) != std::string::npos ? 1 : 0;
    return sends;
  }

private:
  class Losing : public CommandStream {
  public:
    Losing(ConnectionLosingTransport& owner, StreamSink sink) : m_owner(owner), m_sink(std::move(sink)) {}
    ~Losing() override {
      if (m_breaker.joinable()) m_breaker.join();
    }
    Result<void> write(std::string data) override {
      if (data.find(m_owner.m_breaking_word) == std::string::npos || m_breaker.joinable()) return {};
      {
        std::lock_guard lock(m_owner.m_mutex);
        ++m_owner.m_written_breaking;
      }
      // The sink hears of it from another thread, never inside write().
      m_breaker = std::thread([this] {
        m_sink.ended(fail(ErrorCode::transport, "lab1: connection lost while running `sh -s virsh`"));
      });
      return {};
    }

  private:
    ConnectionLosingTransport& m_owner;
    StreamSink m_sink;
    std::thread m_breaker;
  };

  const std::string m_name = "lab1";
  const std::string m_breaking_word;
  std::mutex m_mutex;
  std::vector<std::string> m_alone;
  int m_streams = 0;
  int m_written_breaking = 0;
};

}  // namespace

// Issue 15, item 3: a call written to a shared virsh whose connection then
// broke may have run; it used to be sent again (to another shell, or alone)
// as if it had not.
TEST_CASE("virsh shell pool: a change whose shell lost its connection before answering is not sent again") {
  ConnectionLosingTransport transport("define");
  VirshRunner alone(transport, k_test_uri);
  VirshShellPool pool(alone, {});
  auto defined = pool.run(VirshCall{{"define", "/dev/stdin"}, "<domain/>"}, k_timeout);
  REQUIRE_FALSE(defined);
  CHECK(defined.error().message().find("may have run, so it is not sent again") != std::string::npos);
  CHECK(transport.sends_of_breaking_word() == 1);
}

TEST_CASE("virsh shell pool: a read whose shell lost its connection before answering is sent again") {
  ConnectionLosingTransport transport("dumpxml");
  VirshRunner alone(transport, k_test_uri);
  VirshShellPool pool(alone, {});
  auto read = pool.run(VirshCall{{"dumpxml", "web"}, std::nullopt}, k_timeout);
  REQUIRE(read);
  CHECK(transport.sends_of_breaking_word() >= 2);
}

namespace {

// LocalTransport that starts one streamed command, then refuses the next
// ones, as a host's transport does once its stack lock is released or lost;
// after `refusals_allowed` refusals it lets them through again (so that a
// pool that keeps trying ends too).
class RefusesAfterFirstStream : public Transport {
public:
  explicit RefusesAfterFirstStream(int refusals_allowed) : m_refusals_allowed(refusals_allowed) {}
  Result<CommandOutput> run(const Command& command) override { return m_local.run(command); }
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override {
    return m_local.hold(command, ready_line);
  }
  bool can_stream() const override { return true; }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override {
    if (m_streams.fetch_add(1) > 0 && m_refusals.load() < m_refusals_allowed) {
      m_refusals.fetch_add(1);
      return fail(ErrorCode::locked, "local: the stack lock was lost");
    }
    return m_local.stream(command, std::move(sink));
  }
  const std::string& host_name() const override { return m_local.host_name(); }
  int refusals() const { return m_refusals.load(); }

private:
  LocalTransport m_local;
  const int m_refusals_allowed;
  std::atomic<int> m_streams{0};
  std::atomic<int> m_refusals{0};
};

}  // namespace

// A warm-up whose second shell cannot start used to try again for as long as
// its first shell lived: a thread spinning at full CPU, and an apply hung at
// the end of a host whose lock had been released (its pool's end waits for it).
TEST_CASE(
    "virsh shell pool: warm_up stops at a shell that cannot start, rather than trying again and again") {
  PrivateTmpdir tmp;
  RefusesAfterFirstStream transport(1000);
  VirshRunner alone(transport, k_test_uri);
  {
    VirshShellPool pool(alone, VirshShellPool::Options{4, 2});
    pool.warm_up();
  }  // waits for the warm-up to end
  CHECK(transport.refusals() == 1);
}

TEST_CASE("virsh shell pool: the host's CPU times are nodecpustats' user and system, idle and iowait") {
  const auto times = VirshShellPool::cpu_times_in(
      "user:                 2252839730000000\n"
      "system:                567889500000000\n"
      "idle:                41563497300000000\n"
      "iowait:                 97862520000000\n");
  REQUIRE(times.has_value());
  CHECK(times->busy == 2252839730000000 + 567889500000000);
  CHECK(times->idle == 41563497300000000 + 97862520000000);
  CHECK_FALSE(VirshShellPool::cpu_times_in("user: 1\nsystem: 2\n").has_value());
  CHECK_FALSE(VirshShellPool::cpu_times_in("error: this function is not supported\n").has_value());
  // What this machine's virsh prints (libvirt's test driver: fixed figures).
  LocalTransport local;
  VirshRunner virsh(local, k_test_uri);
  auto printed = virsh.run({"nodecpustats"});
  REQUIRE(printed.has_value());
  CHECK(VirshShellPool::cpu_times_in(*printed).has_value());
}

TEST_CASE("virsh shell pool: every shell from one idle CPU, one below half of one, no switch between") {
  CHECK(VirshShellPool::shells_for_load(1, 2, 1.0) == 2);
  CHECK(VirshShellPool::shells_for_load(1, 4, 3.5) == 4);
  CHECK(VirshShellPool::shells_for_load(2, 2, 0.49) == 1);
  CHECK(VirshShellPool::shells_for_load(4, 4, 0.0) == 1);
  CHECK(VirshShellPool::shells_for_load(1, 2, 0.7) == 1);
  CHECK(VirshShellPool::shells_for_load(2, 2, 0.7) == 2);
  CHECK(VirshShellPool::shells_for_load(3, 2, 0.7) == 2);
}

TEST_CASE(
    "virsh shell pool: while the host has no idle CPU calls go to one shell, to all again once it has") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  std::atomic<bool> saturated{true};
  std::mutex times_mutex;
  VirshShellPool::CpuTimes times;
  VirshShellPool::Options options{2};
  options.warm = 1;
  options.look_at_load_every = std::chrono::milliseconds(1);
  // Every reading adds a second of CPU time, all busy or all idle.
  options.read_cpu_times = [&] {
    std::lock_guard lock(times_mutex);
    (saturated ? times.busy : times.idle) += 1'000'000'000;
    return std::optional(times);
  };
  VirshShellPool pool(alone, options);
  pool.warm_up();
  REQUIRE(pool.capacity() == 2);  // the test driver has 16 CPUs, the options allow 2
  VirshRunner virsh(local, k_test_uri, Become::none, &pool);
  const auto list_at_once = [&](int calls) {
    std::vector<std::future<Result<std::string>>> running;
    for (int i = 0; i < calls; ++i) {
      running.push_back(std::async(std::launch::async, [&] {
        return virsh.run({"list", "--all", "--name"});
      }));
    }
    for (auto& call : running) CHECK(call.get().has_value());
  };
  // The first look is what the next one measures against: no decision yet.
  REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
  CHECK(pool.load_looks() == 1);
  CHECK(pool.shells_in_use() == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
  CHECK(pool.load_looks() == 2);
  CHECK(pool.shells_in_use() == 1);
  // However many calls wait, the one shell takes them: no second starts.
  list_at_once(40);
  CHECK(pool.shells_started() == 1);
  saturated = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
  CHECK(pool.shells_in_use() == 2);
  list_at_once(40);
  CHECK(pool.shells_started() <= 2);
}

TEST_CASE(
    "virsh shell pool: a host that cannot say how busy it is keeps every shell and is not asked again") {
  PrivateTmpdir tmp;
  LocalTransport local;
  VirshRunner alone(local, k_test_uri);
  std::atomic<int> asked{0};
  VirshShellPool::Options options{2};
  options.look_at_load_every = std::chrono::milliseconds(1);
  options.read_cpu_times = [&]() -> std::optional<VirshShellPool::CpuTimes> {
    ++asked;
    return std::nullopt;
  };
  VirshShellPool pool(alone, options);
  pool.warm_up();
  REQUIRE(pool.capacity() == 2);
  VirshRunner virsh(local, k_test_uri, Become::none, &pool);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(virsh.run({"list", "--all", "--name"}).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  CHECK(asked == 1);
  CHECK(pool.load_looks() == 0);
  CHECK(pool.shells_in_use() == 2);
}
