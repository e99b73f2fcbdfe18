#include "planner/placement_stage.h"

#include <fmt/format.h>

#include <algorithm>

namespace virtplan::planner {
namespace {

constexpr std::string_view k_domain_kind = "domain";
constexpr std::string_view k_volume_kind = "volume";

// Where this stack's domains are already, by name: the first host by name
// (the stack holds one domain of a name; two would be an earlier run's slip,
// and the diff shows the other).
std::map<std::string, std::string> owned_domains(const ObservedState& observed, const Stack& stack) {
  std::map<std::string, std::string> out;
  for (const auto& object : observed.objects) {  // sorted by id: host names in order
    if (object.id.kind == k_domain_kind && object.ownership == Ownership::ours &&
        stack.hosts.contains(object.id.host) && stack.auto_placed.contains(object.id.name)) {
      out.try_emplace(object.id.name, object.id.host);
    }
  }
  return out;
}

// The declared `host: auto` domains, by name.
std::map<std::string, const providers::StackObject*> auto_domains(const Stack& stack) {
  std::map<std::string, const providers::StackObject*> out;
  for (const auto& object : stack.objects) {
    if (object.id.kind == k_domain_kind && stack.auto_placed.contains(object.id.name)) {
      out.try_emplace(object.id.name, &object);
    }
  }
  return out;
}

std::vector<HostCapacity> capacities(const Stack& stack, const ObservedState& observed,
                                     const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds) {
  std::map<std::string, HostCapacity> by_host;
  for (const auto& [name, config] : stack.hosts) {
    auto node = nodes.find(name);
    if (node == nodes.end() || observed.unread.contains(name)) continue;
    HostCapacity& host = by_host[name];
    host.name = name;
    host.cpus = node->second.cpus;
    host.memory = node->second.memory;
    host.cpu_overcommit = config.cpu_overcommit;
    host.memory_overcommit = config.memory_overcommit;
    host.reserved_memory = config.reserved_memory;
    for (const auto& [pool, space] : node->second.pools) host.pool_free[pool] = space.available;
  }
  const providers::ResourceKind* domains = kinds(k_domain_kind);
  for (const auto& object : observed.objects) {
    auto host = by_host.find(object.id.host);
    if (host == by_host.end() || domains == nullptr || object.id.kind != k_domain_kind) continue;
    if (auto usage = domains->host_usage(object.spec)) {
      host->second.used_vcpus += usage->vcpus;
      host->second.used_memory += usage->memory;
    }
  }
  std::vector<HostCapacity> out;
  for (auto& [name, host] : by_host) out.push_back(std::move(host));
  return out;
}

// The `host: auto` volumes, by name (one per host at most, on its domain's).
using FollowingVolumes = std::multimap<std::string, const providers::StackObject*>;

FollowingVolumes following_volumes(const Stack& stack) {
  FollowingVolumes out;
  for (const auto& object : stack.objects) {
    if (object.id.kind == k_volume_kind && stack.following_volumes.contains(object.id.name))
      out.emplace(object.id.name, &object);
  }
  return out;
}

// What the `host: auto` volumes `domain`'s disks name take, by pool: they
// go where it goes.
std::map<std::string, std::uint64_t> pool_needs(const FollowingVolumes& following,
                                                const providers::StackObject& domain,
                                                const providers::ResourceKind& kind) {
  std::map<std::string, std::uint64_t> needs;
  for (const auto& reference : kind.references(domain)) {
    if (reference.target.kind != k_volume_kind) continue;
    auto [first, last] = following.equal_range(reference.target.name);
    for (auto it = first; it != last; ++it) {
      const providers::StackObject& volume = *it->second;
      if (volume.id.host == domain.id.host)
        needs[volume.id.pool] += volume.spec.value("capacity", std::uint64_t{0});
    }
  }
  std::erase_if(needs, [](const auto& need) { return need.second == 0; });
  return needs;
}

}  // namespace

StackPlacement place_stack(const Stack& stack, const ObservedState& observed,
                           const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds) {
  StackPlacement out;
  if (stack.auto_placed.empty()) return out;
  std::vector<PlacedMember> settled;
  std::vector<PlacementRequest> requests;
  const providers::ResourceKind* domains = kinds(k_domain_kind);
  const auto owned = owned_domains(observed, stack);
  const auto declared = auto_domains(stack);
  const auto following = following_volumes(stack);
  for (const auto& [name, rules] : stack.auto_placed) {
    if (auto there = owned.find(name); there != owned.end()) {
      out.hosts[name] = there->second;
      settled.push_back(PlacedMember{name, there->second, rules.anti_affinity, rules.affinity, rules.group});
      continue;
    }
    PlacementRequest request = rules;
    auto object = declared.find(name);
    if (object != declared.end() && domains != nullptr) {
      if (auto usage = domains->host_usage(object->second->spec)) {
        request.vcpus = usage->vcpus;
        request.memory = usage->memory;
      }
      request.pool_needs = pool_needs(following, *object->second, *domains);
    }
    requests.push_back(std::move(request));
  }
  PlacementResult result = place_domains(capacities(stack, observed, nodes, kinds), requests, settled);
  for (const auto& placed : result.placed) out.hosts[placed.domain] = placed.host;
  out.chosen = std::move(result.placed);
  out.errors = std::move(result.errors);
  return out;
}

Plan with_placement_reasons(const Plan& plan, const std::vector<Placement>& chosen) {
  std::vector<Change> changes = plan.changes();
  for (auto& change : changes) {
    if (change.id.kind != k_domain_kind || change.action != Action::create) continue;
    for (const auto& placed : chosen) {
      if (placed.domain == change.id.name && placed.host == change.id.host) {
        change.reasons.push_back(fmt::format("→ {}: {}", placed.host, placed.why));
      }
    }
  }
  return Plan(plan.stack(), std::move(changes));
}

}  // namespace virtplan::planner
