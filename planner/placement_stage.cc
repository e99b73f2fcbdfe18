#include "planner/placement_stage.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace virtplan::planner {
namespace {

constexpr std::string_view k_domain_kind = "domain";
constexpr std::string_view k_volume_kind = "volume";

// Where this stack's domains are already, by name: the host a half-done
// migration sends one to (its ledger says so), else the first host by name
// (the stack holds one domain of a name; two would be an earlier run's
// slip, and the diff shows the other).
std::map<std::string, std::string> owned_domains(const ObservedState& observed, const Stack& stack) {
  std::map<std::string, std::string> out;
  for (const auto& object : observed.objects) {  // sorted by id: host names in order
    if (object.id.kind != k_domain_kind || object.ownership != Ownership::ours ||
        !stack.hosts.contains(object.id.host) || !stack.auto_placed.contains(object.id.name)) {
      continue;
    }
    if (stack.hosts.contains(object.migrating_to)) {
      out.insert_or_assign(object.id.name, object.migrating_to);
    } else {
      out.try_emplace(object.id.name, object.id.host);
    }
  }
  return out;
}

// An owned `host: auto` domain: where it is, and why it must leave (the
// header's table); empty: it stays.
struct Current {
  std::string host;
  std::string leaves = {};
};

// The first rule of the header's table `rules` breaks on `host` by itself.
std::string broken_rule(const PlacementRequest& rules, const std::string& host, const Stack& stack) {
  if (stack.hosts.at(host).maintenance) return fmt::format("maintenance on {}", host);
  if (!rules.hosts.empty() && std::find(rules.hosts.begin(), rules.hosts.end(), host) == rules.hosts.end()) {
    return fmt::format("{} is no longer in placement.hosts", host);
  }
  return {};
}

// The group rules, over the members that stay, in name order.
void break_groups(std::map<std::string, Current>& current, const Stack& stack) {
  std::map<std::pair<std::string, std::string>, std::string> anti;  // (group, host) -> first member
  for (auto& [name, where] : current) {
    const std::string& group = stack.auto_placed.at(name).anti_affinity;
    if (!where.leaves.empty() || group.empty()) continue;
    auto [first, added] = anti.try_emplace({group, where.host}, name);
    if (!added)
      where.leaves = fmt::format("anti-affinity group {}: {} is on {} too", group, first->second, where.host);
  }
  std::map<std::string, std::pair<std::string, std::string>> affinity;  // group -> (host, first member)
  for (auto& [name, where] : current) {
    const std::string& group = stack.auto_placed.at(name).affinity;
    if (!where.leaves.empty() || group.empty()) continue;
    auto [anchor, added] = affinity.try_emplace(group, where.host, name);
    if (!added && anchor->second.first != where.host) {
      where.leaves =
          fmt::format("affinity group {} is on {} ({})", group, anchor->second.first, anchor->second.second);
    }
  }
}

constexpr std::string_view k_rebalance = "rebalance";

std::map<std::string, Current> current_hosts(const Stack& stack, const ObservedState& observed,
                                             PlacementMode mode) {
  std::map<std::string, Current> current;
  for (const auto& [name, host] : owned_domains(observed, stack)) {
    current[name] = Current{host, broken_rule(stack.auto_placed.at(name), host, stack)};
  }
  break_groups(current, stack);
  if (mode == PlacementMode::rebalance) {
    for (auto& [name, where] : current) {
      if (where.leaves.empty()) where.leaves = k_rebalance;
    }
  }
  return current;
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

// The hosts as placement sees them; a domain that leaves (`current`) takes
// nothing on the host it leaves.
std::vector<HostCapacity> capacities(const Stack& stack, const ObservedState& observed,
                                     const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds,
                                     const std::map<std::string, Current>& current) {
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
    host.maintenance = config.maintenance;
    for (const auto& [pool, space] : node->second.pools) host.pool_free[pool] = space.available;
  }
  const providers::ResourceKind* domains = kinds(k_domain_kind);
  for (const auto& object : observed.objects) {
    auto host = by_host.find(object.id.host);
    if (host == by_host.end() || domains == nullptr || object.id.kind != k_domain_kind) continue;
    if (auto leaving = current.find(object.id.name);
        leaving != current.end() && !leaving->second.leaves.empty() && object.ownership == Ownership::ours &&
        leaving->second.host == object.id.host) {
      continue;
    }
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

// The hosts a new `host: auto` domain could go to that could not be read,
// in name order. Where a placed domain went is recorded only on its host
// (ledger, marker): while one of these is unread, "not found" does not mean
// "new", and placing it elsewhere could make a second one.
std::vector<std::string> unread_candidates(const Stack& stack, const ObservedState& observed,
                                           const PlacementRequest& rules) {
  std::vector<std::string> out;
  for (const auto& [host, error] : observed.unread) {
    const bool candidate = rules.hosts.empty() ? stack.hosts.contains(host)
                                               : std::ranges::find(rules.hosts, host) != rules.hosts.end();
    if (candidate) out.push_back(host);
  }
  return out;
}

}  // namespace

StackPlacement place_stack(const Stack& stack, const ObservedState& observed,
                           const std::map<std::string, NodeSize>& nodes, const KindLookup& kinds,
                           PlacementMode mode) {
  StackPlacement out;
  if (stack.auto_placed.empty()) return out;
  std::vector<PlacedMember> settled;
  std::vector<PlacementRequest> requests;
  const providers::ResourceKind* domains = kinds(k_domain_kind);
  const auto current = current_hosts(stack, observed, mode);
  const auto declared = auto_domains(stack);
  const auto following = following_volumes(stack);
  for (const auto& [name, rules] : stack.auto_placed) {
    if (auto there = current.find(name); there != current.end() && there->second.leaves.empty()) {
      out.hosts[name] = there->second.host;
      settled.push_back(
          PlacedMember{name, there->second.host, rules.anti_affinity, rules.affinity, rules.group});
      continue;
    }
    if (!current.contains(name)) {
      if (auto unread = unread_candidates(stack, observed, rules); !unread.empty()) {
        out.errors.push_back(fmt::format(
            "domain {}: not placed while {} could not be read: a placed domain is recorded only on "
            "its host, so it may be there already; plan again once {} answer{}, or give the domain "
            "a host",
            name, fmt::join(unread, ", "), unread.size() == 1 ? "it" : "they",
            unread.size() == 1 ? "s" : ""));
        continue;
      }
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
  PlacementResult result =
      place_domains(capacities(stack, observed, nodes, kinds, current), requests, settled);
  for (auto& placed : result.placed) {
    out.hosts[placed.domain] = placed.host;
    auto there = current.find(placed.domain);
    if (there == current.end()) {
      out.chosen.push_back(std::move(placed));
    } else if (there->second.host != placed.host) {
      placed.moved = there->second.leaves;
      out.chosen.push_back(std::move(placed));
    }
  }
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    const std::string& name = result.unplaced[i];
    auto there = current.find(name);
    if (there == current.end()) {
      out.errors.push_back(std::move(result.errors[i]));
    } else if (there->second.leaves == k_rebalance) {
      out.hosts[name] = there->second.host;  // nowhere better: it stays
    } else {
      // "domain web: no host fits (...)" -> "domain web must leave h2 (why), but no host fits (...)"
      const std::size_t said = fmt::format("domain {}: ", name).size();
      out.errors.push_back(fmt::format("domain {} must leave {} ({}), but {}", name, there->second.host,
                                       there->second.leaves, result.errors[i].substr(said)));
    }
  }
  return out;
}

std::vector<std::string> maintenance_refusals(const Stack& stack) {
  std::map<std::string, std::vector<std::string>> pinned;  // host -> addresses
  for (const auto& object : stack.objects) {
    auto host = stack.hosts.find(object.id.host);
    if (object.id.kind != k_domain_kind || host == stack.hosts.end() || !host->second.maintenance ||
        stack.auto_placed.contains(object.id.name)) {
      continue;
    }
    pinned[object.id.host].push_back(object.id.address());
  }
  std::vector<std::string> out;
  for (const auto& [host, addresses] : pinned) {
    out.push_back(
        fmt::format("host {} is in maintenance but {} {} pinned to it: give {} another host or "
                    "`host: auto`, or end the maintenance",
                    host, fmt::join(addresses, ", "), addresses.size() == 1 ? "is" : "are",
                    addresses.size() == 1 ? "it" : "them"));
  }
  return out;
}

Plan with_placement_reasons(const Plan& plan, const std::vector<Placement>& chosen) {
  std::vector<Change> changes = plan.changes();
  for (auto& change : changes) {
    if (change.id.kind != k_domain_kind) continue;
    for (const auto& placed : chosen) {
      if (placed.domain != change.id.name) continue;
      const std::string where = fmt::format("→ {}: {}", placed.host, placed.why);
      if (change.action == Action::create && placed.host == change.id.host) {
        change.reasons.push_back(where);
      } else if (change.action == Action::migrate && placed.host == change.destination &&
                 !placed.moved.empty()) {
        change.reasons.insert(change.reasons.begin(), {placed.moved, where});
      }
    }
  }
  return Plan(plan.stack(), std::move(changes));
}

}  // namespace virtplan::planner
