#include "cli/host_allocation.h"

#include "providers/base/human_size.h"

#include <fmt/format.h>

namespace virtplan::cli {
namespace {

constexpr std::string_view k_domain_kind = "domain";

std::string use_text(const HostAllocation::Use& use) {
  return fmt::format("{} domain{}, {} vCPU{}, {}", use.domains, use.domains == 1 ? "" : "s", use.vcpus,
                     use.vcpus == 1 ? "" : "s", providers::human_size(use.memory));
}

nlohmann::json use_json(const HostAllocation::Use& use) {
  return {{"domains", use.domains}, {"vcpus", use.vcpus}, {"memory", use.memory}};
}

}  // namespace

std::map<std::string, HostAllocation> host_allocations(const planner::ObservedState& observed,
                                                       const std::map<std::string, planner::NodeSize>& nodes,
                                                       const planner::KindLookup& kinds) {
  std::map<std::string, HostAllocation> out;
  for (const auto& [host, size] : nodes) out[host].size = size;
  const providers::ResourceKind* domains = kinds(k_domain_kind);
  for (const auto& object : observed.objects) {
    auto host = out.find(object.id.host);
    if (host == out.end() || domains == nullptr || object.id.kind != k_domain_kind) continue;
    HostAllocation::Use& use =
        object.ownership == planner::Ownership::ours ? host->second.owned : host->second.foreign;
    ++use.domains;
    if (auto usage = domains->host_usage(object.spec)) {
      use.vcpus += usage->vcpus;
      use.memory += usage->memory;
    }
  }
  return out;
}

std::vector<std::string> allocation_lines(const HostAllocation& host) {
  std::vector<std::string> lines{
      fmt::format("{} CPU{}, {}; owned: {}; foreign: {}", host.size.cpus, host.size.cpus == 1 ? "" : "s",
                  providers::human_size(host.size.memory), use_text(host.owned), use_text(host.foreign))};
  for (const auto& [name, pool] : host.size.pools) {
    lines.push_back(fmt::format("pool {}: {} of {} free", name, providers::human_size(pool.available),
                                providers::human_size(pool.capacity)));
  }
  return lines;
}

nlohmann::json allocation_json(const HostAllocation& host) {
  nlohmann::json pools = nlohmann::json::object();
  for (const auto& [name, pool] : host.size.pools) {
    pools[name] = {{"capacity", pool.capacity}, {"available", pool.available}};
  }
  return {{"cpus", host.size.cpus},
          {"memory", host.size.memory},
          {"owned", use_json(host.owned)},
          {"foreign", use_json(host.foreign)},
          {"pools", pools}};
}

}  // namespace virtplan::cli
