#include "cli/commands.h"

#include "cli/metrics_output.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "kvm/domain_stats_reader.h"
#include "planner/unread_host.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace virtplan::cli {
namespace {

struct MetricsOptions {
  std::string path;
  std::string format = "prometheus";
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

int metrics(const MetricsOptions& options) {
  // load
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // observe, with domstats in the first round
  static const kvm::DomainStatsReader domstats;
  const auto observing = observe_stack(*stack, {&domstats});
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  const StackObservation& observed = *observing;
  const std::vector<DomainSample> samples = samples_of(*stack, observed);
  // render
  if (options.format == "json") {
    fmt::print(
        "{}\n",
        render_metrics_json(stack->name, samples, planner::unread_messages(observed.state.unread)).dump(2));
  } else if (options.format == "influx") {
    fmt::print("{}", render_influx(stack->name, samples));
  } else {
    fmt::print("{}", render_prometheus(stack->name, samples));
  }
  for (const auto& [host, why] : observed.state.unread)
    fmt::print(stderr, "{}\n", planner::unread_line(host, why));
  return observed.state.unread.empty() ? 0 : 1;
}

}  // namespace

SubcommandRunner setup_metrics(CLI::App& command) {
  auto options = std::make_shared<MetricsOptions>();
  add_stack_file_option(command, options->path);
  command.add_option("--format", options->format, "prometheus (default), influx or json")
      ->check(CLI::IsMember({"prometheus", "influx", "json"}));
  return [options] { return metrics(*options); };
}

}  // namespace virtplan::cli
