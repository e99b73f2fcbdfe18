// `virtplan metrics --listen`'s HTTP endpoint (cli/metrics_server.h) with a
// fake scrape: a client over a real socket on 127.0.0.1, the server on a
// thread, stopped through its stop pipe as a signal handler would.

#include "cli/metrics_server.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace virtplan::cli {
namespace {

using namespace std::chrono_literals;

// The whole answer to `request` sent to 127.0.0.1:port.
std::string fetch_from(const std::string& bound, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1))));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return answer;
}

std::string get(const std::string& bound, const std::string& path) {
  return fetch_from(bound, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
}

// The server serving `scrape` on a thread until the test ends.
struct RunningServer {
  int stop[2] = {-1, -1};
  std::string bound;
  std::thread thread;
  MetricsServer::Stopped stopped = MetricsServer::Stopped::cleanly;

  RunningServer(MetricsServer::Scrape scrape, std::chrono::milliseconds timeout) {
    auto server = MetricsServer::listen("127.0.0.1:0");
    REQUIRE(server.has_value());
    REQUIRE(pipe(stop) == 0);
    bound = server->bound();
    thread = std::thread([this, server = std::move(*server), scrape, timeout]() mutable {
      stopped = server.serve(scrape, timeout, stop[0]);
    });
  }
  MetricsServer::Stopped finish() {
    const char byte = 1;
    REQUIRE(write(stop[1], &byte, 1) == 1);
    thread.join();
    close(stop[0]);
    close(stop[1]);
    return stopped;
  }
};

TEST_CASE("metrics server: each GET /metrics runs a scrape, other paths and methods are refused") {
  std::atomic<int> scrapes = 0;
  RunningServer running(
      [&] {
        return ScrapeAnswer{200, "text/plain", "scrape " + std::to_string(++scrapes) + "\n"};
      },
      2s);
  CHECK(running.bound.starts_with("127.0.0.1:"));
  const std::string first = get(running.bound, "/metrics");
  CHECK(first.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(first.find("Content-Type: text/plain\r\n") != std::string::npos);
  CHECK(first.find("Content-Length: 9\r\n") != std::string::npos);
  CHECK(first.ends_with("\r\n\r\nscrape 1\n"));
  CHECK(get(running.bound, "/metrics?x=1").ends_with("scrape 2\n"));
  CHECK(get(running.bound, "/").starts_with("HTTP/1.1 404 "));
  CHECK(fetch_from(running.bound, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
  CHECK(scrapes == 2);
  CHECK(running.finish() == MetricsServer::Stopped::cleanly);
}

TEST_CASE("metrics server: a scrape slower than the timeout answers 503 and the next request waits for it") {
  std::atomic<int> scrapes = 0;
  RunningServer running(
      [&] {
        const int n = ++scrapes;
        std::this_thread::sleep_for(n == 1 ? 700ms : 0ms);
        return ScrapeAnswer{200, "text/plain", "scrape " + std::to_string(n) + "\n"};
      },
      400ms);
  const auto start = std::chrono::steady_clock::now();
  const std::string late = get(running.bound, "/metrics");
  CHECK(late.starts_with("HTTP/1.1 503 "));
  CHECK(std::chrono::steady_clock::now() - start < 650ms);
  // The late scrape is still running: this request waits for it rather than start another.
  CHECK(get(running.bound, "/metrics").ends_with("scrape 1\n"));
  CHECK(get(running.bound, "/metrics").ends_with("scrape 2\n"));
  CHECK(running.finish() == MetricsServer::Stopped::cleanly);
}

TEST_CASE("metrics server: stopping while a scrape hangs says so instead of waiting forever") {
  std::atomic<bool> release = false;
  RunningServer running(
      [&] {
        while (!release) std::this_thread::sleep_for(10ms);
        return ScrapeAnswer{200, "text/plain", "late\n"};
      },
      200ms);
  CHECK(get(running.bound, "/metrics").starts_with("HTTP/1.1 503 "));
  CHECK(running.finish() == MetricsServer::Stopped::scrape_still_running);
  release = true;
  std::this_thread::sleep_for(50ms);  // the detached scrape ends before `release` goes away
}

TEST_CASE("metrics server: a bad --listen address is refused, naming it") {
  const auto no_port = MetricsServer::listen("127.0.0.1");
  REQUIRE(!no_port);
  CHECK(no_port.error().message().starts_with("--listen 127.0.0.1: expected ADDR:PORT"));
  const auto bad_host = MetricsServer::listen("example.org:80");  // an IP address, not a name
  REQUIRE(!bad_host);
  CHECK(bad_host.error().message().starts_with("--listen example.org:80: "));
}

}  // namespace
}  // namespace virtplan::cli
