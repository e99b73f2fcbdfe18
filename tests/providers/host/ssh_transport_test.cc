// SshTransport against loopback sockets that are not SSH servers: a closed
// port and a listener that never sends the SSH banner. Real SSH is proven in
// tests/lab/ssh_transport_test.cc.

#include "providers/host/ssh_transport.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <vector>

using namespace virtplan::providers;
using namespace std::chrono_literals;

namespace {

// A TCP socket on 127.0.0.1 with a kernel-chosen port. Listening, it completes
// handshakes into its backlog and never says a word: an SSH server that hangs.
class LoopbackSocket {
public:
  explicit LoopbackSocket(bool listening) {
    m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    if (listening) REQUIRE(listen(m_fd, 64) == 0);
  }
  ~LoopbackSocket() { close(m_fd); }
  int port() const { return m_port; }

private:
  int m_fd = -1;
  int m_port = 0;
};

HostConfig loopback(int port) {
  HostConfig config;
  config.name = "loop";
  config.hostname = "127.0.0.1";
  config.port = port;
  config.connect_timeout = 1s;
  config.known_hosts = "/dev/null";
  return config;
}

Command echo_command() { return Command{{"echo", "hi"}, std::nullopt, 30s}; }

}  // namespace

TEST_CASE("a refused connection fails at once as unreachable, naming host, port and timeout") {
  // Bound but not listening: the kernel answers a connect with RST.
  LoopbackSocket closed(false);
  auto transport = SshTransport::create(loopback(closed.port()));
  REQUIRE(transport);
  const auto start = std::chrono::steady_clock::now();
  auto output = (*transport)->run(echo_command());
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::unreachable);
  CHECK_THAT(output.error().message(),
             Catch::StartsWith("loop (127.0.0.1:" + std::to_string(closed.port()) + "): cannot connect"));
  CHECK_THAT(output.error().message(), Catch::Contains("connect timeout 1000 ms"));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("a server that never sends its banner fails with timeout within the connect timeout") {
  LoopbackSocket silent(true);
  auto transport = SshTransport::create(loopback(silent.port()));
  REQUIRE(transport);
  const auto start = std::chrono::steady_clock::now();
  auto output = (*transport)->run(echo_command());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::timeout);
  CHECK_THAT(output.error().message(), Catch::Contains("(127.0.0.1:" + std::to_string(silent.port()) + ")"));
  CHECK(elapsed >= 900ms);
  CHECK(elapsed < 4s);
}

TEST_CASE("commands queued behind a failing connect all fail with it, not one timeout each") {
  LoopbackSocket silent(true);
  auto transport = SshTransport::create(loopback(silent.port()));
  REQUIRE(transport);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::future<Result<CommandOutput>>> results;
  for (int i = 0; i < 16; ++i) {
    results.push_back(std::async(std::launch::async, [&] { return (*transport)->run(echo_command()); }));
  }
  for (auto& result : results) {
    auto output = result.get();
    REQUIRE_FALSE(output);
    CHECK(output.error().code() == ErrorCode::timeout);
  }
  // One connect attempt (1 s), maybe a second for stragglers that arrived
  // while the first was failing: never 16.
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a server that never greets is said as such, and later commands fail at once with that error") {
  LoopbackSocket silent(true);
  auto transport = SshTransport::create(loopback(silent.port()));
  REQUIRE(transport);
  auto first = (*transport)->run(echo_command());
  REQUIRE_FALSE(first);
  const std::string what =
      "loop (127.0.0.1:" + std::to_string(silent.port()) +
      "): the connection was accepted but no SSH server answered within the connect timeout "
      "(1000 ms): nothing greeted with an SSH banner (is port " +
      std::to_string(silent.port()) + " an SSH server?)";
  CHECK(first.error().message() == what);
  // A run's later commands (its lock, its ledger) do not wait another
  // connect_timeout each: the host never answered, it is not tried again.
  const auto start = std::chrono::steady_clock::now();
  auto second = (*transport)->run(echo_command());
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == ErrorCode::timeout);
  CHECK(second.error().message() == what);
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
}

TEST_CASE("an empty command is refused before anything is sent") {
  auto transport = SshTransport::create(loopback(1));
  REQUIRE(transport);
  auto output = (*transport)->run(Command{});
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::invalid);
  CHECK((*transport)->sessions_opened() == 0);
}

TEST_CASE("destroying an idle transport ends its thread at once") {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto transport = SshTransport::create(loopback(1));
    REQUIRE(transport);
  }
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}
