#include "cli/commands.h"

#include "cli/metrics_output.h"
#include "cli/metrics_server.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "kvm/domain_stats_reader.h"
#include "planner/unread_host.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace virtplan::cli {
namespace {

struct MetricsOptions {
  std::string path;
  std::string format = "prometheus";
  std::optional<std::string> listen;
  double scrape_timeout = 10;
};

// The stack's domains that are there, sorted by host, then name.
std::vector<DomainSample> samples_of(const planner::Stack& stack, const StackObservation& observed) {
  std::vector<DomainSample> samples;
  for (const providers::ObjectId& id : declared_or_owned(stack, observed.state)) {
    if (id.kind != "domain") continue;
    const providers::Spec* stats = observed.fact("domstats", id.host, id.name);
    if (!stats) continue;
    kvm::DomainStats parsed{id.name, stats->value("stats", std::map<std::string, std::string>{})};
    samples.push_back(DomainSample{id.name, id.host, parsed.metrics()});
  }
  std::sort(samples.begin(), samples.end(), [](const DomainSample& a, const DomainSample& b) {
    return std::tie(a.host, a.domain) < std::tie(b.host, b.domain);
  });
  return samples;
}

// One observation rendered in the chosen format: what a run prints and a
// scrape answers. `unread` has a line per host that could not be read.
struct MetricsRound {
  std::optional<providers::Error> refusal;  // why nothing was read (two entries reach one hypervisor...)
  std::string body;
  std::string content_type;
  std::vector<std::string> unread;
};

MetricsRound observe_metrics(const planner::Stack& stack, const std::string& format) {
  // observe, with domstats in the first round
  static const kvm::DomainStatsReader domstats;
  const auto observing = observe_stack(stack, {&domstats});
  if (!observing) return {observing.error(), "", "", {}};
  const StackObservation& observed = *observing;
  const std::vector<DomainSample> samples = samples_of(stack, observed);
  // render
  MetricsRound round;
  for (const auto& [host, why] : observed.state.unread)
    round.unread.push_back(planner::unread_line(host, why));
  if (format == "json") {
    round.body =
        render_metrics_json(stack.name, samples, planner::unread_messages(observed.state.unread)).dump(2) +
        "\n";
    round.content_type = "application/json";
  } else if (format == "influx") {
    round.body = render_influx(stack.name, samples);
    round.content_type = "text/plain; charset=utf-8";
  } else {
    std::map<std::string, bool> hosts_read;
    for (const auto& [host, config] : stack.hosts) hosts_read[host] = !observed.state.unread.contains(host);
    round.body = render_prometheus(stack.name, samples, hosts_read);
    round.content_type = "text/plain; version=0.0.4; charset=utf-8";  // Prometheus' text format
  }
  return round;
}

// SIGINT and SIGTERM end `--listen` through this pipe: the handler only
// writes a byte, which the server's poll() sees.
int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  const char byte = 1;
  [[maybe_unused]] const auto n = write(g_stop_pipe[1], &byte, 1);
}

int serve(const planner::Stack& stack, const MetricsOptions& options) {
  auto server = MetricsServer::listen(*options.listen);
  if (!server) {
    fmt::print(stderr, "error: {}\n", server.error().message());
    return 1;
  }
  if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    fmt::print(stderr, "error: pipe: {}\n", std::strerror(errno));
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  fmt::print(stderr, "virtplan metrics: serving http://{}/metrics (stack {}, {}, scrape timeout {} s)\n",
             server->bound(), stack.name, options.format, options.scrape_timeout);
  std::fflush(stderr);
  const auto scrape = [&stack, &options] {
    MetricsRound round = observe_metrics(stack, options.format);
    for (const std::string& line : round.unread) fmt::print(stderr, "{}\n", line);
    if (round.refusal) {
      print_refusal(*round.refusal, stderr);
      return ScrapeAnswer{500, "text/plain; charset=utf-8", "error: " + round.refusal->message() + "\n"};
    }
    // A host not read still answers 200: the others' figures stand, and
    // virtplan_host_up says which one is missing.
    return ScrapeAnswer{200, round.content_type, round.body};
  };
  const auto timeout = std::chrono::milliseconds(static_cast<long>(options.scrape_timeout * 1000));
  const auto stopped = server->serve(scrape, timeout, g_stop_pipe[0]);
  if (stopped == MetricsServer::Stopped::scrape_still_running) {
    // Its thread uses the stack and the host sessions: end without running
    // their destructors under it.
    fmt::print(stderr, "virtplan metrics: stopped (an observation of the hosts was still running)\n");
    std::fflush(stderr);
    std::_Exit(0);
  }
  fmt::print(stderr, "virtplan metrics: stopped\n");
  return 0;
}

int metrics(const MetricsOptions& options) {
  // load (once: --listen observes the hosts on every scrape, but reads the stack at start)
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  if (options.listen) return serve(*stack, options);
  // observe, render
  const MetricsRound round = observe_metrics(*stack, options.format);
  if (round.refusal) {
    print_refusal(*round.refusal, stderr);
    return 1;
  }
  fmt::print("{}", round.body);
  for (const std::string& line : round.unread) fmt::print(stderr, "{}\n", line);
  return round.unread.empty() ? 0 : 1;
}

}  // namespace

SubcommandRunner setup_metrics(CLI::App& command) {
  auto options = std::make_shared<MetricsOptions>();
  add_stack_file_option(command, options->path);
  command.add_option("--format", options->format, "prometheus (default), influx or json")
      ->check(CLI::IsMember({"prometheus", "influx", "json"}));
  command.add_option(
      "--listen", options->listen,
      "serve HTTP GET /metrics on ADDR:PORT (127.0.0.1:9477, :9477 for every address), observing "
      "the hosts on each request, until SIGINT or SIGTERM");
  command
      .add_option("--scrape-timeout", options->scrape_timeout,
                  "with --listen: seconds a request waits for the hosts' observation before answering 503 "
                  "(default 10, Prometheus' own scrape timeout)")
      ->check(CLI::PositiveNumber);
  return [options] { return metrics(*options); };
}

}  // namespace virtplan::cli
