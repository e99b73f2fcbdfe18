#include "cli/commands.h"

#include "cli/host_allocation.h"
#include "cli/host_checks.h"
#include "cli/host_survey.h"
#include "cli/kinds.h"
#include "cli/node_size_reader.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/host_probe.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using providers::HostConfig;

// One host's line after its name and address: facts, or the error.
providers::Result<std::string> describe(const HostConfig& host) {
  auto transport = providers::make_transport(host);
  if (!transport) return std::unexpected(transport.error());
  providers::VirshRunner virsh(**transport, host.libvirt_uri, host.become);
  auto facts = providers::probe_host(virsh);
  if (!facts) return std::unexpected(facts.error());
  return fmt::format("libvirt {}, {}, {}", facts->libvirt_version, facts->hypervisor,
                     facts->kvm ? "KVM" : "TCG only (no KVM)");
}

// `hosts`: each host's facts (versions, KVM), then its capacity and what is
// allocated on it (host_allocation.h), from one observation of every host.
int hosts(const std::string& path, bool json) {
  auto stack = load_stack(path, stderr);
  if (!stack) return 1;

  // Every host at once: a slow or dead host costs its own timeout, not the sum.
  std::vector<std::pair<const HostConfig*, std::future<providers::Result<std::string>>>> probes;
  for (const auto& [name, host] : stack->hosts) {
    probes.emplace_back(&host, std::async(std::launch::async, describe, std::cref(host)));
  }
  static const NodeSizeReader k_node_sizes;
  auto observing = observe_stack(*stack, {&k_node_sizes});
  std::map<std::string, HostAllocation> allocations;
  if (observing) {
    allocations = host_allocations(
        observing->state, node_sizes(observing->facts[std::string(NodeSizeReader::k_kind)]), kind_lookup());
  }
  std::size_t width = 0;
  for (const auto& [host, probe] : probes) width = std::max(width, host->name.size());

  int status = 0;
  nlohmann::json listed = nlohmann::json::array();
  for (auto& [host, probe] : probes) {
    auto line = probe.get();
    const std::string address = providers::host_address_key(*host);
    auto allocation = allocations.find(host->name);
    nlohmann::json entry = {{"name", host->name}, {"address", address}};
    if (line) {
      entry["facts"] = *line;
      if (!json) fmt::print("{:<{}}  {}  {}\n", host->name, width, address, *line);
    } else {
      entry["error"] = line.error().message();
      if (!json) fmt::print("{:<{}}  {}  error: {}\n", host->name, width, address, line.error().message());
      status = 1;
    }
    if (allocation == allocations.end()) {
      listed.push_back(entry);
      continue;
    }
    entry.update(allocation_json(allocation->second));
    listed.push_back(entry);
    if (json) continue;
    for (const auto& text : allocation_lines(allocation->second)) fmt::print("{:<{}}  {}\n", "", width, text);
  }
  if (json) fmt::print("{}\n", nlohmann::json{{"hosts", listed}}.dump(2));
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  return status;
}

void print_table(const std::vector<CheckLine>& lines) {
  std::size_t host = 4, check = 5;
  for (const auto& line : lines) {
    host = std::max(host, line.host.size());
    check = std::max(check, line.check.size());
  }
  fmt::print("{:<{}}  {:<{}}  {:<7}  {}\n", "HOST", host, "CHECK", check, "VERDICT", "DETAIL");
  for (const auto& line : lines) {
    fmt::print("{:<{}}  {:<{}}  {:<7}  {}\n", line.host, host, line.check, check, verdict_name(line.verdict),
               line.detail);
  }
}

void print_json(const std::vector<CheckLine>& lines, std::size_t failed) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& line : lines) {
    std::string verdict(verdict_name(line.verdict));
    if (line.verdict == Verdict::fail) verdict = "fail";
    checks.push_back(
        {{"host", line.host}, {"check", line.check}, {"verdict", verdict}, {"detail", line.detail}});
  }
  fmt::print("{}\n", nlohmann::json{{"checks", checks}, {"failed", failed}}.dump(2));
}

// `hosts --check`: every host surveyed at once (one connection, one virsh
// batch and one script each), then the table of checks (host_checks.h);
// exit 1 when any check failed.
int check_hosts(const std::string& path, bool json) {
  auto stack = load_stack(path, stderr);
  if (!stack) return 1;
  std::map<std::string, HostDemand> demands;
  for (const auto& [name, host] : stack->hosts) demands.emplace(name, demand_on(*stack, name));
  std::map<std::string, std::future<providers::Result<HostSurvey>>> pending;
  for (const auto& [name, host] : stack->hosts) {
    pending.emplace(
        name, std::async(std::launch::async, survey_host, std::cref(host), std::cref(demands.at(name))));
  }
  std::map<std::string, providers::Result<HostSurvey>> surveys;
  for (auto& [name, survey] : pending) surveys.emplace(name, survey.get());

  std::vector<CheckLine> lines;
  for (const auto& [name, host] : stack->hosts) {
    // Only hosts listed before this one: two entries of one host are named once, at the second.
    std::map<std::string, const HostSurvey*> earlier;
    for (const auto& [other, survey] : surveys) {
      if (other == name) break;
      if (survey && !survey->libvirt_error) earlier.emplace(other, &*survey);
    }
    auto host_lines = check_host({name, host, demands.at(name), surveys.at(name), earlier});
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
  }
  const auto failed = static_cast<std::size_t>(std::count_if(
      lines.begin(), lines.end(), [](const CheckLine& l) { return l.verdict == Verdict::fail; }));
  if (json) {
    print_json(lines, failed);
  } else {
    print_table(lines);
    fmt::print("{} check(s) failed\n", failed);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

SubcommandRunner setup_hosts(CLI::App& command) {
  auto path = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  add_stack_file_option(command, *path);
  command.add_flag("--check", *check,
                   "preflight: one line per check and host (reachable, versions, KVM, identity, permission, "
                   "pools, space, AppArmor/SELinux, NAT, bridges, memory, CPUs); exit 1 when any fails");
  command.add_flag("--json", *json, "the hosts (or with --check, the checks) as JSON");
  return [path, check, json] { return *check ? check_hosts(*path, *json) : hosts(*path, *json); };
}

}  // namespace virtplan::cli
