// SshTransport against real sshd on lab hosts: one session per host reused by
// concurrent commands, sshd's MaxSessions lived with, stdin and hostile
// arguments byte-for-byte, exit statuses, timeouts, host keys and auth.

#include "providers/host/ssh_transport.h"
#include "providers/host/shell_quote.h"
#include "providers/host/ssh_session.h"
#include "providers/host/ssh_target.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/nft_table.h"

#include "tests/support/scratch_dir.h"
#include "tests/support/stream_log.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace virtplan::providers;
using namespace std::chrono_literals;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using Clock = std::chrono::steady_clock;
using virtplan::test::ScratchDir;

std::unique_ptr<SshTransport> connect_to(const HostConfig& config) {
  auto transport = SshTransport::create(config);
  REQUIRE(transport);
  return std::move(*transport);
}

Command program(std::vector<std::string> argv) { return Command{std::move(argv), std::nullopt, 60s}; }

Command shell(const std::string& line, std::chrono::milliseconds timeout = 60s) {
  return Command{{"sh", "-c", line}, std::nullopt, timeout};
}

// Checks a command's result. Only on the test's own thread: Catch's INFO and
// REQUIRE are not thread-safe (INFO pushes onto one vector the whole run
// shares), and from several threads at once they corrupted the heap
// (`malloc(): corrupted top size`, found with ThreadSanitizer). Threads return
// the Result and the test checks it here after get().
CommandOutput must(const Result<CommandOutput>& output) {
  INFO((output ? std::string() : output.error().message()));
  REQUIRE(output);
  return *output;
}

CommandOutput must_run(Transport& transport, const Command& command) { return must(transport.run(command)); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A fresh key pair made by ssh-keygen; returns the public key line.
std::string generate_key(const std::string& path, const std::string& type) {
  auto made = virtplan::lab::detail::run_child(
      {"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "vp-test", "-f", path});
  REQUIRE(made.status == 0);
  return read_file(path + ".pub");
}

// The "TYPE KEY" part of a public key line.
std::string key_part(const std::string& public_line) {
  std::istringstream words(public_line);
  std::string type, key;
  words >> type >> key;
  return type + " " + key;
}

// A TCP relay from 127.0.0.1 to one lab host's sshd that counts the bytes the
// client sends, so a test can see the traffic on an idle session.
class CountingRelay {
public:
  CountingRelay(const std::string& address, int port) : m_address(address), m_target_port(port) {
    m_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(m_listener, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    socklen_t length = sizeof local;
    REQUIRE(getsockname(m_listener, reinterpret_cast<sockaddr*>(&local), &length) == 0);
    m_port = ntohs(local.sin_port);
    REQUIRE(listen(m_listener, 1) == 0);
    m_thread = std::thread([this] { relay(); });
  }
  ~CountingRelay() {
    m_stop = true;
    m_thread.join();
    close(m_listener);
  }
  int port() const { return m_port; }
  size_t client_bytes() const { return m_client_bytes.load(); }

private:
  // Waits for readability, giving up when the test is over.
  bool wait(pollfd* fds, int count) {
    while (!m_stop) {
      if (poll(fds, count, 100) > 0) return true;
    }
    return false;
  }

  void relay() {
    pollfd accepting{m_listener, POLLIN, 0};
    if (!wait(&accepting, 1)) return;
    const int client = accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<uint16_t>(m_target_port));
    inet_pton(AF_INET, m_address.c_str(), &remote.sin_addr);
    if (connect(server, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0) pump(client, server);
    close(client);
    close(server);
  }

  void pump(int client, int server) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    char buffer[65536];
    while (wait(fds, 2)) {
      for (int i = 0; i < 2; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
        if (got <= 0) return;
        if (i == 0) m_client_bytes += static_cast<size_t>(got);
        for (ssize_t sent = 0; sent < got;) {
          const ssize_t n = write(fds[1 - i].fd, buffer + sent, static_cast<size_t>(got - sent));
          if (n <= 0) return;
          sent += n;
        }
      }
    }
  }

  std::string m_address;
  int m_target_port;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<size_t> m_client_bytes{0};
  std::thread m_thread;
};

// Bytes the client sends through a relay to host 0 during `idle` after one
// command, reaching it as `config` says but through the relay.
size_t idle_client_bytes(const LabEnv& env, HostConfig config, std::chrono::milliseconds idle) {
  CountingRelay relay(env.hosts[0].address, 22);
  ScratchDir scratch;
  config.hostname = "127.0.0.1";
  config.port = relay.port();
  config.known_hosts = scratch.file("known_hosts");
  config.host_key = HostKeyPolicy::accept_new;
  auto transport = connect_to(config);
  CHECK(must_run(*transport, program({"true"})).exit_status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const size_t before = relay.client_bytes();
  std::this_thread::sleep_for(idle);
  return relay.client_bytes() - before;
}

// The same with keepalives every `keepalive` (0: none).
size_t idle_client_bytes(const LabEnv& env, std::chrono::seconds keepalive, std::chrono::milliseconds idle) {
  HostConfig config = env.host_config(0);
  config.keepalive = keepalive;
  return idle_client_bytes(env, config, idle);
}

// Sets an environment variable for one scope, restoring the old value after.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const std::string& value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (m_old)
      setenv(m_name, m_old->c_str(), 1);
    else
      unsetenv(m_name);
  }

private:
  const char* m_name;
  std::optional<std::string> m_old;
};

// An ssh-agent of the test's own on a socket in `dir`, killed at the end.
class ScopedAgent {
public:
  explicit ScopedAgent(const std::string& socket) {
    auto started = virtplan::lab::detail::run_child({"ssh-agent", "-s", "-a", socket});
    REQUIRE(started.status == 0);
    const size_t at = started.out.find("SSH_AGENT_PID=");
    REQUIRE(at != std::string::npos);
    m_pid = std::stoi(started.out.substr(at + 14));
  }
  // ssh-agent runs detached (not our child): it is gone, and its socket
  // with it, once kill(pid, 0) finds no process, waited for up to 5 s.
  ~ScopedAgent() {
    kill(m_pid, SIGTERM);
    for (int i = 0; i < 500 && kill(m_pid, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

private:
  int m_pid = 0;
};

}  // namespace

TEST_CASE("commands run over one session that every command reuses") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  // $SSH_CONNECTION carries the client's port: one port, one TCP connection.
  std::set<std::string> connections;
  for (int i = 0; i < 5; ++i) {
    connections.insert(must_run(*transport, shell("echo $SSH_CONNECTION")).out);
  }
  std::vector<std::future<Result<CommandOutput>>> parallel;
  for (int i = 0; i < 12; ++i) {
    parallel.push_back(
        std::async(std::launch::async, [&] { return transport->run(shell("echo $SSH_CONNECTION")); }));
  }
  for (auto& output : parallel) connections.insert(must(output.get()).out);
  CHECK(connections.size() == 1);
  CHECK(transport->sessions_opened() == 1);
  CHECK_THAT(*connections.begin(), Catch::Contains(env.hosts[0].address));
}

// Commands and answers are small messages with several in flight on one
// connection; with Nagle's algorithm each waited for the acknowledgement of
// the one before (delayed up to 40 ms), ~60 ms a round trip via a bastion.
TEST_CASE("the session's TCP connection sends small messages at once (TCP_NODELAY)") {
  const LabEnv env = require_lab(1);
  auto target = resolve_ssh_target(env.host_config(0));
  REQUIRE(target);
  auto session = SshSession::open(*target);
  REQUIRE(session);
  int nodelay = 0;
  socklen_t length = sizeof nodelay;
  REQUIRE(getsockopt(ssh_get_fd((*session)->handle()), IPPROTO_TCP, TCP_NODELAY, &nodelay, &length) == 0);
  CHECK(nodelay != 0);
}

TEST_CASE("each host's transport reaches that host") {
  const LabEnv env = require_lab(2);
  auto first = connect_to(env.host_config(0));
  auto second = connect_to(env.host_config(1));
  CHECK(must_run(*first, program({"hostname"})).out == env.hosts[0].name + "\n");
  CHECK(must_run(*second, program({"hostname"})).out == env.hosts[1].name + "\n");
}

TEST_CASE("32 concurrent one-second commands finish in seconds despite MaxSessions 10") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  must_run(*transport, program({"true"}));  // connect first: time the commands only
  const auto start = Clock::now();
  std::vector<std::future<Result<CommandOutput>>> results;
  for (int i = 0; i < 32; ++i) {
    results.push_back(std::async(std::launch::async, [&transport, i] {
      return transport->run(shell("sleep 1; echo " + std::to_string(i)));
    }));
  }
  for (int i = 0; i < 32; ++i) {
    const CommandOutput output = must(results[i].get());
    CHECK(output.exit_status == 0);
    CHECK(output.out == std::to_string(i) + "\n");
  }
  const auto elapsed = Clock::now() - start;
  // 8 channels at a time: 4 rounds of 1 s. Serialized it would be 32 s.
  CHECK(elapsed < 12s);
  CHECK(transport->sessions_opened() == 1);
}

TEST_CASE("a channel the server refuses is retried when a slot frees") {
  const LabEnv env = require_lab(2);
  const auto& host = env.hosts[0];
  // A second sshd in the same lab host, allowing only 2 channels per
  // connection: opens 3..8 are refused and must wait, not fail.
  const std::string pid_file = "/run/vp-test-sshd-" + std::to_string(getpid()) + ".pid";
  const int port = 2200 + getpid() % 50;
  // Not daemonized by sshd itself: it detaches before it binds its port, so
  // its return said nothing about whether it listens yet (a CI run connected
  // first and was refused). It runs in the foreground, in the background of
  // this shell, and the shell returns once the port listens.
  env.run_in(0, fmt::format("setsid /usr/sbin/sshd -D -f /run/lab/sshd_config -p {port} -o MaxSessions=2 "
                            "-o PidFile=none </dev/null >/dev/null 2>{pid_file}.log & echo $! >{pid_file}; "
                            "for i in $(seq 300); do "
                            "  ss -Hltn 'sport = :{port}' | grep -q . && exit 0; "
                            "  kill -0 $(cat {pid_file}) 2>/dev/null || break; sleep 0.1; "
                            "done; kill $(cat {pid_file}) 2>/dev/null; cat {pid_file}.log >&2; exit 1",
                            fmt::arg("port", port), fmt::arg("pid_file", pid_file)));
  struct Stop {
    const LabEnv& env;
    std::string pid_file;
    ~Stop() {
      try {
        env.run_in(0, "kill $(cat " + pid_file + ") && rm -f " + pid_file + " " + pid_file + ".log");
      } catch (const std::exception& error) {
        WARN(error.what());
      }
    }
  } stop{env, pid_file};
  ScratchDir scratch;
  HostConfig config = env.host_config(0);
  config.port = port;
  config.known_hosts = scratch.file("known_hosts");
  config.host_key = HostKeyPolicy::accept_new;
  auto transport = connect_to(config);
  std::vector<std::future<Result<CommandOutput>>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [&transport, i] {
      return transport->run(shell("sleep 0.5; echo " + std::to_string(i)));
    }));
  }
  for (int i = 0; i < 8; ++i) CHECK(must(results[i].get()).out == std::to_string(i) + "\n");
  CHECK(transport->sessions_opened() == 1);
  CHECK_THAT(read_file(*config.known_hosts), Catch::StartsWith(fmt::format("[{}]:{} ", host.address, port)));
}

TEST_CASE("5 MB of stdin round-trips through cat byte for byte") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  std::string data(5 * 1024 * 1024, '\0');
  std::mt19937 random(42);
  for (char& c : data) c = static_cast<char>(random() & 0xff);
  Command cat{{"cat"}, data, 60s};
  const CommandOutput output = must_run(*transport, cat);
  CHECK(output.exit_status == 0);
  CHECK(output.out.size() == data.size());
  CHECK(output.out == data);
}

TEST_CASE("large stdout and stderr at once do not deadlock") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  const CommandOutput output =
      must_run(*transport, shell("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2; echo done >&2"));
  CHECK(output.out.size() == 3000000);
  CHECK(output.err.size() == 2000005);
}

TEST_CASE("a hostile argument round-trips through printf over SSH") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  const std::string hostile =
      "-n it's \"quoted\" $(touch /tmp/pwned) `id`; rm -rf / && echo | cat\n"
      "second line\t\\ * ? [a] ~root {a,b} $HOME ! # % ünïcødé ☃ \x01\x7f";
  const CommandOutput output = must_run(*transport, program({"printf", "%s", hostile}));
  CHECK(output.out == hostile);
  CHECK(must_run(*transport, program({"printf", "%s", ""})).out.empty());
  CHECK(must_run(*transport, shell("test -e /tmp/pwned && echo pwned || echo clean")).out == "clean\n");
}

TEST_CASE("exit statuses and stderr come back, and death by signal is 128+N with a message") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  const CommandOutput failed = must_run(*transport, shell("echo out; echo err >&2; exit 3"));
  CHECK(failed.exit_status == 3);
  CHECK(failed.out == "out\n");
  CHECK(failed.err == "err\n");
  const CommandOutput killed = must_run(*transport, shell("echo before >&2; kill -KILL $$"));
  CHECK(killed.exit_status == 128 + 9);
  CHECK_THAT(killed.err, Catch::StartsWith("before\n"));
  CHECK_THAT(killed.err, Catch::Contains(env.hosts[0].name + " (" + env.hosts[0].address +
                                         ":22): `sh -c 'echo before >&2; kill -KILL $$'` was "
                                         "killed by signal KILL"));
}

TEST_CASE("a command past its timeout fails with timeout, is stopped, and the session lives on") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  // A duration no other test uses, to find the process afterwards.
  const std::string marker = "31." + std::to_string(getpid() % 1000);
  const auto start = Clock::now();
  auto output = transport->run(Command{{"sleep", marker}, std::nullopt, 1s});
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::timeout);
  CHECK(output.error().message() == env.hosts[0].name + " (" + env.hosts[0].address + ":22): `sleep " +
                                        marker + "` timed out after 1000 ms");
  CHECK(elapsed >= 1s);
  CHECK(elapsed < 4s);
  CHECK(must_run(*transport, program({"echo", "still here"})).out == "still here\n");
  // The host's timeout(1) stopped the remote sleep a little after ours fired.
  CHECK(must_run(*transport, shell("for i in $(seq 20); do ps -eo args= | grep -qx 'sleep " + marker +
                                   "' || { echo gone; exit; }; sleep 0.5; done; echo running"))
            .out == "gone\n");
  CHECK(transport->sessions_opened() == 1);
}

TEST_CASE("a session that died between commands is reopened once") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  CHECK(must_run(*transport, program({"true"})).exit_status == 0);
  // The nearest sshd above the command is this connection's session process:
  // killing it drops the connection under the transport.
  auto killed = transport->run(
      shell("p=$$; while [ \"$(ps -o comm= -p $p)\" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d ' '); done; "
            "kill -KILL $p; sleep 5"));
  if (killed)
    CHECK(killed->exit_status != 0);
  else
    CHECK(killed.error().code() == ErrorCode::transport);
  std::this_thread::sleep_for(200ms);
  CHECK(must_run(*transport, program({"echo", "again"})).out == "again\n");
  CHECK(transport->sessions_opened() == 2);
}

TEST_CASE("an unknown host key is refused by default and trusted with accept-new") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  HostConfig config = env.host_config(1);
  config.known_hosts = scratch.file("known_hosts");
  write_file(*config.known_hosts, "");
  {
    auto output = connect_to(config)->run(program({"true"}));
    REQUIRE_FALSE(output);
    CHECK(output.error().code() == ErrorCode::host_key_unknown);
    const std::string& message = output.error().message();
    CHECK_THAT(message, Catch::StartsWith(env.hosts[1].name + " (" + env.hosts[1].address +
                                          ":22): host key is not known: ssh-ed25519 SHA256:"));
    CHECK_THAT(message, Catch::Contains("ssh-keyscan -t ed25519 -p 22 " + env.hosts[1].address + " >> " +
                                        *config.known_hosts));
    CHECK_THAT(message, Catch::Contains("host_key: accept-new"));
    CHECK(read_file(*config.known_hosts).empty());
  }
  config.host_key = HostKeyPolicy::accept_new;
  CHECK(must_run(*connect_to(config), program({"true"})).exit_status == 0);
  const std::string trusted = read_file(*config.known_hosts);
  CHECK_THAT(trusted, Catch::StartsWith(env.hosts[1].address + " ssh-ed25519 "));
  // The lab's own known_hosts holds the real key: the same one was written.
  CHECK_THAT(read_file(env.known_hosts), Catch::Contains(trusted.substr(0, trusted.find('\n'))));
  config.host_key = HostKeyPolicy::strict;
  CHECK(must_run(*connect_to(config), program({"true"})).exit_status == 0);
}

TEST_CASE("a changed host key is refused loudly under every policy") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  HostConfig config = env.host_config(0);
  config.known_hosts = scratch.file("known_hosts");
  const std::string impostor = key_part(generate_key(scratch.file("impostor"), "ed25519"));
  write_file(*config.known_hosts, env.hosts[0].address + " " + impostor + "\n");
  for (auto policy : {HostKeyPolicy::strict, HostKeyPolicy::accept_new}) {
    config.host_key = policy;
    auto output = connect_to(config)->run(program({"true"}));
    REQUIRE_FALSE(output);
    CHECK(output.error().code() == ErrorCode::host_key_changed);
    const std::string& message = output.error().message();
    CHECK_THAT(message, Catch::StartsWith(env.hosts[0].name + " (" + env.hosts[0].address +
                                          ":22): WARNING: the host key has CHANGED"));
    CHECK_THAT(message, Catch::Contains("man-in-the-middle"));
    CHECK_THAT(message,
               Catch::EndsWith("ssh-keygen -f " + *config.known_hosts + " -R " + env.hosts[0].address));
  }
  // accept-new did not overwrite the pinned key.
  CHECK(read_file(*config.known_hosts) == env.hosts[0].address + " " + impostor + "\n");
}

TEST_CASE("a known key of another type for the host is refused as a change") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  HostConfig config = env.host_config(0);
  config.known_hosts = scratch.file("known_hosts");
  const std::string other = key_part(generate_key(scratch.file("other"), "ecdsa"));
  write_file(*config.known_hosts, env.hosts[0].address + " " + other + "\n");
  auto output = connect_to(config)->run(program({"true"}));
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::host_key_changed);
}

TEST_CASE("a wrong client key fails with a clear auth message") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  generate_key(scratch.file("stranger"), "ed25519");
  HostConfig config = env.host_config(0);
  config.identity = scratch.file("stranger");
  auto output = connect_to(config)->run(program({"true"}));
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::auth_failed);
  CHECK(output.error().message() ==
        env.hosts[0].name + " (" + env.hosts[0].address +
            ":22): authentication failed for user root: the server offers publickey; tried " +
            scratch.file("stranger") + " (refused)");
}

TEST_CASE("a missing identity file is named in the auth message") {
  const LabEnv env = require_lab(2);
  HostConfig config = env.host_config(0);
  config.identity = "/nonexistent/key";
  auto output = connect_to(config)->run(program({"true"}));
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::auth_failed);
  CHECK_THAT(output.error().message(), Catch::Contains("/nonexistent/key (cannot be read"));
}

TEST_CASE("an address with nothing behind it fails within the connect timeout") {
  const LabEnv env = require_lab(2);
  HostConfig config = env.host_config(0);
  // On the lab host's link, so the traffic stays on the veth; nobody answers ARP.
  config.hostname = "10.231." + std::to_string(env.hosts[0].index) + ".77";
  config.connect_timeout = 2s;
  const auto start = Clock::now();
  auto output = connect_to(config)->run(program({"true"}));
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(output);
  CHECK((output.error().code() == ErrorCode::timeout || output.error().code() == ErrorCode::unreachable));
  CHECK_THAT(output.error().message(), Catch::StartsWith(config.name + " (" + config.hostname +
                                                         ":22): cannot connect (connect timeout 2000 ms)"));
  CHECK(elapsed < 6s);
}

TEST_CASE("a host whose firewall drops SSH fails with timeout after the connect timeout") {
  const LabEnv env = require_lab(2);
  const int port = 2300 + getpid() % 50;
  const virtplan::lab::NftDrop drop(env, 0, fmt::format("tcp dport {}", port));
  HostConfig config = env.host_config(0);
  config.port = port;
  config.connect_timeout = 2s;
  const auto start = Clock::now();
  auto output = connect_to(config)->run(program({"true"}));
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::timeout);
  CHECK_THAT(output.error().message(), Catch::Contains(fmt::format("({}:{})", env.hosts[0].address, port)));
  CHECK(elapsed >= 1900ms);
  CHECK(elapsed < 6s);
}

TEST_CASE("a closed port fails at once as unreachable") {
  const LabEnv env = require_lab(2);
  HostConfig config = env.host_config(0);
  config.port = 2;
  auto output = connect_to(config)->run(program({"true"}));
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::unreachable);
}

TEST_CASE("keepalive and connect_timeout written in a stack's host entry are the ones the transport uses") {
  const LabEnv env = require_lab(1);
  const auto entry = [&env](const std::string& timings) {
    const auto stack = virtplan::lab::load_stack_text(
        fmt::format("stack: ka\nhosts:\n{}{}", virtplan::lab::host_block(env, 0), timings));
    return stack.hosts.at(env.hosts[0].name);
  };
  const HostConfig every_second = entry("    keepalive: 1s\n    connect_timeout: 2\n");
  CHECK(every_second.connect_timeout == 2s);
  CHECK(idle_client_bytes(env, every_second, 3500ms) >= 3 * 32);
  CHECK(idle_client_bytes(env, entry("    keepalive: 0\n"), 2500ms) == 0);
}

TEST_CASE("an idle session sends keepalives at the configured interval, and none when disabled") {
  const LabEnv env = require_lab(2);
  CHECK(idle_client_bytes(env, std::chrono::seconds(0), 2500ms) == 0);
  // Every second for 3.5 s: at least three SSH_MSG_IGNORE packets.
  CHECK(idle_client_bytes(env, std::chrono::seconds(1), 3500ms) >= 3 * 32);
}

TEST_CASE("a session killed while idle is noticed and the next command reconnects") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  // The nearest sshd above the command is this connection's session process.
  const std::string pid =
      must_run(
          *transport,
          shell(
              "p=$$; while [ \"$(ps -o comm= -p $p)\" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d ' '); done; "
              "printf %s $p"))
          .out;
  REQUIRE_FALSE(pid.empty());
  env.run_in(0, "kill -KILL " + pid);
  std::this_thread::sleep_for(300ms);
  CHECK(must_run(*transport, program({"echo", "back"})).out == "back\n");
  CHECK(transport->sessions_opened() == 2);
}

TEST_CASE("destroying transports leaves no thread behind") {
  const LabEnv env = require_lab(2);
  const auto threads = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                         std::filesystem::directory_iterator());
  };
  const auto before = threads();
  for (int i = 0; i < 3; ++i) {
    auto transport = connect_to(env.host_config(i % 2));
    CHECK(must_run(*transport, program({"true"})).exit_status == 0);
    CHECK(threads() == before + 1);
  }
  CHECK(threads() == before);
}

TEST_CASE("without an identity the agent is used, then the default key files") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  // A home without keys, so only what the test provides can work.
  ScopedEnv home("HOME", scratch.file("home"));
  std::filesystem::create_directories(scratch.file("home/.ssh"));
  HostConfig config = env.host_config(0);
  config.identity.reset();

  SECTION("nothing to offer: the message lists every source tried") {
    ScopedEnv no_agent("SSH_AUTH_SOCK", "");
    auto output = connect_to(config)->run(program({"true"}));
    REQUIRE_FALSE(output);
    CHECK(output.error().code() == ErrorCode::auth_failed);
    const std::string keys = scratch.file("home/.ssh/");
    CHECK(output.error().message() ==
          env.hosts[0].name + " (" + env.hosts[0].address +
              ":22): authentication failed for user root: the server offers publickey; tried "
              "ssh-agent (SSH_AUTH_SOCK is not set), " +
              keys + "id_ed25519 (not found), " + keys + "id_ecdsa (not found), " + keys +
              "id_rsa (not found)");
  }
  SECTION("the agent holds the key") {
    const std::string socket = scratch.file("agent.sock");
    ScopedAgent agent(socket);
    ScopedEnv agent_socket("SSH_AUTH_SOCK", socket);
    REQUIRE(virtplan::lab::detail::run_child({"ssh-add", "-q", env.client_key}).status == 0);
    CHECK(must_run(*connect_to(config), program({"echo", "agent"})).out == "agent\n");
  }
  SECTION("a default key file holds the key") {
    ScopedEnv no_agent("SSH_AUTH_SOCK", "");
    std::filesystem::copy_file(env.client_key, scratch.file("home/.ssh/id_ecdsa"));
    CHECK(must_run(*connect_to(config), program({"echo", "file"})).out == "file\n");
  }
}

TEST_CASE("commands that time out before their channel opens leak no server slots") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  must_run(*transport, program({"true"}));
  // 1 ms: each expires while its channel open is on the wire. Twelve leaked
  // channels would exceed MaxSessions 10 and block every later command.
  for (int i = 0; i < 12; ++i) {
    auto output = transport->run(Command{{"true"}, std::nullopt, 1ms});
    REQUIRE_FALSE(output);
    CHECK(output.error().code() == ErrorCode::timeout);
  }
  std::vector<std::future<Result<CommandOutput>>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [&transport, i] {
      return transport->run(Command{{"echo", std::to_string(i)}, std::nullopt, 20s});
    }));
  }
  for (int i = 0; i < 8; ++i) CHECK(must(results[i].get()).out == std::to_string(i) + "\n");
  CHECK(transport->sessions_opened() == 1);
}

TEST_CASE(
    "a streamed command answers each write while it runs, beside other commands, and ends with its stdin") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  REQUIRE(transport->can_stream());
  virtplan::test::StreamLog log;
  auto stream = transport->stream(
      shell("while read -r l; do echo \"out $l\"; echo \"err $l\" >&2; done; echo bye; exit 4"), log.sink());
  REQUIRE(stream);
  // 300 KiB in one write crosses several SSH windows.
  const std::string big(300 * 1024, 'x');
  REQUIRE((*stream)->write("one\n" + big + "\n"));
  CHECK(log.wait_for([&] { return log.out == "out one\nout " + big + "\n"; }));
  // Waited for too: stderr need not come before or with stdout.
  CHECK(log.wait_for([&] { return log.err.starts_with("err one\n"); }));
  // Other commands run on the same session meanwhile.
  CHECK(must_run(*transport, program({"echo", "beside"})).out == "beside\n");
  REQUIRE((*stream)->write("two\n"));
  CHECK(log.wait_for([&] { return log.out.ends_with("out two\n"); }));
  CHECK_FALSE(log.locked([&] { return log.exit_status.has_value(); }));
  stream->reset();  // its stdin ends: the loop ends, it says bye and exits 4
  CHECK(log.exit_status == 4);
  CHECK(log.out.ends_with("out two\nbye\n"));
  CHECK(transport->sessions_opened() == 1);
}

// Issue 15, item 3: a dropped session used to be reopened for the next
// command even when it held a command (the stack lock): the lock was gone
// with it, and an apply went on changing the host unlocked. Now nothing is
// sent on a new session once a session holding a command died.
TEST_CASE("a session that died while holding a command is not reopened: later commands fail as locked") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  auto held =
      transport->hold(Command{{"sh", "-c", "echo ready; cat >/dev/null"}, std::nullopt, 30s}, "ready");
  REQUIRE(held);
  REQUIRE(held->held);
  const std::string pid =
      must_run(
          *transport,
          shell(
              "p=$$; while [ \"$(ps -o comm= -p $p)\" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d ' '); done; "
              "printf %s $p"))
          .out;
  REQUIRE_FALSE(pid.empty());
  env.run_in(0, "kill -KILL " + pid);
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline && held->held->running()) std::this_thread::sleep_for(50ms);
  CHECK_FALSE(held->held->running());
  auto after = transport->run(program({"echo", "unlocked"}));
  REQUIRE_FALSE(after);
  CHECK(after.error().code() == ErrorCode::locked);
  CHECK(after.error().message().find("no new connection is opened") != std::string::npos);
  CHECK(transport->sessions_opened() == 1);
}
