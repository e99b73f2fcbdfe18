#pragma once

// MetricsServer is `virtplan metrics --listen`'s HTTP endpoint: GET /metrics
// runs a scrape (a fresh observation of the hosts) and answers with what it
// rendered, so Prometheus scrapes virtplan directly. One request at a time
// (Prometheus scrapes a target once per interval; a second scraper waits).
//
// Bounded in time: the scrape runs on a worker thread; when it has not
// finished within the timeout the request is answered 503 (the target is
// down for that round: an honest answer, where serving the last figures again
// would show counters that did not move). At most one scrape runs at a time:
// a request arriving while a late one still runs waits for that one (again at
// most the timeout) instead of starting another, so slow hosts never pile up
// observations. A request is also bounded while it is read and written
// (a client that sends nothing is dropped after the timeout).

#include "providers/base/error.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace virtplan::cli {

// What one scrape answers: an HTTP status, the body's type and the body.
struct ScrapeAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};

class MetricsServer {
public:
  using Scrape = std::function<ScrapeAnswer()>;

  // Binds ADDR:PORT ("127.0.0.1:9477", "[::1]:9477", ":9477" for every
  // address; port 0 takes a free one) and listens. ADDR is an IP address,
  // never looked up.
  static providers::Result<MetricsServer> listen(const std::string& address);

  MetricsServer(MetricsServer&& other) noexcept;
  MetricsServer& operator=(MetricsServer&&) = delete;
  MetricsServer(const MetricsServer&) = delete;
  ~MetricsServer();

  // "127.0.0.1:9477", the port the system chose when asked for 0.
  std::string bound() const;

  enum class Stopped { cleanly, scrape_still_running };
  // Answers requests until `stop_fd` becomes readable (a signal handler
  // writes to a pipe). Returns whether a scrape was still running then: its
  // thread cannot be interrupted, so the caller must end the process without
  // destroying what the scrape uses.
  Stopped serve(const Scrape& scrape, std::chrono::milliseconds timeout, int stop_fd);

private:
  explicit MetricsServer(int fd) : m_fd(fd) {}
  void answer(int client, const Scrape& scrape, std::chrono::milliseconds timeout, int stop_fd);
  std::optional<ScrapeAnswer> wait_for_scrape(const Scrape& scrape, std::chrono::milliseconds timeout,
                                              int stop_fd);

  int m_fd = -1;
  // The scrape running or finished and not yet answered; nullopt when none.
  std::optional<std::shared_future<ScrapeAnswer>> m_scrape;
};

}  // namespace virtplan::cli
