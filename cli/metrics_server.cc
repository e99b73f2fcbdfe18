#include "cli/metrics_server.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace virtplan::cli {
namespace {

using providers::ErrorCode;
using providers::fail;

// "host:port" or "[v6]:port" -> {host ("" for every address), port}.
providers::Result<std::pair<std::string, std::string>> split_listen(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size())
    return fail(ErrorCode::invalid,
                fmt::format("--listen {}: expected ADDR:PORT (127.0.0.1:9477, :9477)", address));
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::pair{host, address.substr(colon + 1)};
}

void set_io_timeout(int fd, std::chrono::milliseconds limit) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(limit.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(limit.count() % 1000 * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool readable(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, wait_ms) > 0;
}

// The request line's method and path, once the headers are in; nullopt for a
// client that closed, stalled or sent too much.
std::optional<std::pair<std::string, std::string>> read_request(int client) {
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos) {
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0 || request.size() > 16384) return std::nullopt;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const std::string line = request.substr(0, request.find_first_of("\r\n"));
  const auto first = line.find(' ');
  const auto second = line.find(' ', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    return std::pair{std::string(), std::string()};
  std::string path = line.substr(first + 1, second - first - 1);
  path = path.substr(0, path.find('?'));
  return std::pair{line.substr(0, first), path};
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    default:
      return "Service Unavailable";
  }
}

void send_answer(int client, const ScrapeAnswer& answer) {
  const std::string text =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                  answer.status, reason(answer.status), answer.content_type, answer.body.size(), answer.body);
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = send(client, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

ScrapeAnswer plain(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

}  // namespace

providers::Result<MetricsServer> MetricsServer::listen(const std::string& address) {
  const auto parts = split_listen(address);
  if (!parts) return fail(parts.error());
  const auto& [host, port] = *parts;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;  // no DNS: an IP address
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0)
    return fail(ErrorCode::invalid, fmt::format("--listen {}: {}", address, gai_strerror(rc)));
  std::string why = "no address";
  for (const addrinfo* a = found; a; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
      freeaddrinfo(found);
      return MetricsServer(fd);
    }
    why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return fail(ErrorCode::other, fmt::format("--listen {}: {}", address, why));
}

MetricsServer::MetricsServer(MetricsServer&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_scrape(std::move(other.m_scrape)) {}

MetricsServer::~MetricsServer() {
  if (m_fd >= 0) close(m_fd);
}

std::string MetricsServer::bound() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  getsockname(m_fd, reinterpret_cast<sockaddr*>(&storage), &length);
  char host[INET6_ADDRSTRLEN] = "";
  char port[16] = "";
  getnameinfo(reinterpret_cast<sockaddr*>(&storage), length, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);
  return storage.ss_family == AF_INET6 ? fmt::format("[{}]:{}", host, port)
                                       : fmt::format("{}:{}", host, port);
}

MetricsServer::Stopped MetricsServer::serve(const Scrape& scrape, std::chrono::milliseconds timeout,
                                            int stop_fd) {
  while (true) {
    pollfd fds[2] = {{m_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents) break;
    if (!(fds[0].revents & POLLIN)) continue;
    const int client = accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    set_io_timeout(client, timeout);
    answer(client, scrape, timeout, stop_fd);
    close(client);
  }
  // A scrape still running: wait for it as long as a request would.
  if (m_scrape && m_scrape->wait_for(timeout) != std::future_status::ready)
    return Stopped::scrape_still_running;
  return Stopped::cleanly;
}

void MetricsServer::answer(int client, const Scrape& scrape, std::chrono::milliseconds timeout, int stop_fd) {
  const auto request = read_request(client);
  if (!request) return;
  const auto& [method, path] = *request;
  if (path != "/metrics") {
    send_answer(client, plain(404, "virtplan serves /metrics only\n"));
    return;
  }
  if (method != "GET") {
    send_answer(client, plain(405, "GET /metrics only\n"));
    return;
  }
  const auto answer = wait_for_scrape(scrape, timeout, stop_fd);
  if (!answer) {
    send_answer(client,
                plain(503, fmt::format("the hosts' observation took longer than {} s; the next scrape "
                                       "waits for it\n",
                                       std::chrono::duration<double>(timeout).count())));
    return;
  }
  send_answer(client, *answer);
}

std::optional<ScrapeAnswer> MetricsServer::wait_for_scrape(const Scrape& scrape,
                                                           std::chrono::milliseconds timeout, int stop_fd) {
  if (!m_scrape) {
    // A detached thread: a scrape stuck on a host must not hold up the
    // answer, nor (serve()'s caller decides) the process's end.
    auto promise = std::make_shared<std::promise<ScrapeAnswer>>();
    m_scrape = promise->get_future().share();
    std::thread([promise, scrape] {
      try {
        promise->set_value(scrape());
      } catch (const std::exception& e) {
        promise->set_value(plain(500, fmt::format("error: {}\n", e.what())));
      }
    }).detach();
  }
  // In short steps, so SIGTERM is not held up by a slow scrape.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (m_scrape->wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() >= deadline || readable(stop_fd, 0)) return std::nullopt;
  }
  ScrapeAnswer answer = m_scrape->get();
  m_scrape.reset();
  return answer;
}

}  // namespace virtplan::cli
