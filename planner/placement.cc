#include "planner/placement.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>

namespace virtplan::planner {
namespace {

constexpr double k_gib = 1024.0 * 1024.0 * 1024.0;

// "6.0" GiB: the plan's unit for memory, one decimal.
std::string gib(std::int64_t bytes) { return fmt::format("{:.1f}", static_cast<double>(bytes) / k_gib); }

// The allowance in whole GiB when it is whole ("16"), else one decimal.
std::string gib_total(std::int64_t bytes) {
  const double value = static_cast<double>(bytes) / k_gib;
  return value == static_cast<double>(static_cast<std::int64_t>(value)) ? fmt::format("{:.0f}", value)
                                                                        : fmt::format("{:.1f}", value);
}

// HostState is one host during a run: what it allows and what is free.
struct HostState {
  const HostCapacity* host;
  std::int64_t memory_allowed;
  std::int64_t memory_free;
  std::int64_t vcpus_allowed;
  std::int64_t vcpus_free;
  std::map<std::string, std::int64_t> pool_free;
};

HostState start_state(const HostCapacity& host) {
  const auto memory = static_cast<std::int64_t>(static_cast<double>(host.memory) * host.memory_overcommit) -
                      static_cast<std::int64_t>(host.reserved_memory);
  const auto vcpus = static_cast<std::int64_t>(static_cast<double>(host.cpus) * host.cpu_overcommit);
  HostState state{
      &host, memory, memory - static_cast<std::int64_t>(host.used_memory), vcpus, vcpus - host.used_vcpus,
      {}};
  for (const auto& [pool, free] : host.pool_free) state.pool_free[pool] = static_cast<std::int64_t>(free);
  return state;
}

// A group's members so far, by host index: who is there (the first by name,
// for the message).
using GroupHosts = std::map<std::size_t, std::string>;

// How many members of a replica group each host holds, by host index.
using MemberCounts = std::vector<int>;

// The groups of one request, looked up once (not once a host: 10,000
// domains over 100 hosts is a million checks).
struct Groups {
  const GroupHosts* anti = nullptr;       // its anti-affinity group's members, if any yet
  const GroupHosts* affinity = nullptr;   // its affinity group's members, if any yet
  const MemberCounts* members = nullptr;  // its replica group's members per host, if any yet
};

// What keeps a request off a host, the first rule it breaks; words only
// when nothing fits (describe()).
enum class Lack { nothing, maintenance, anti_affinity, affinity, memory, vcpus, pool_space };

// The first pool of `state` the request's volumes do not fit, if any.
const std::string* short_pool(const PlacementRequest& request, const HostState& state) {
  for (const auto& [pool, need] : request.pool_needs) {
    auto free = state.pool_free.find(pool);
    if (free != state.pool_free.end() && static_cast<std::int64_t>(need) > free->second) return &pool;
  }
  return nullptr;
}

class PlacementRun {
public:
  PlacementRun(const std::vector<HostCapacity>& hosts, const std::vector<PlacedMember>& settled);
  void place(const PlacementRequest& request, PlacementResult& out);

private:
  std::optional<std::size_t> index_of(const std::string& host) const;
  std::vector<std::size_t> candidates(const PlacementRequest& request) const;
  Groups groups_of(const PlacementRequest& request) const;
  Lack lack(const PlacementRequest& request, std::size_t at, const Groups& groups) const;
  std::string describe(Lack lack, const PlacementRequest& request, std::size_t at,
                       const Groups& groups) const;
  bool better(const PlacementRequest& request, const Groups& groups, std::size_t candidate,
              std::size_t best) const;
  void count_member(const std::string& group, std::size_t at);
  void join(const std::string& domain, const std::string& group, std::map<std::string, GroupHosts>& groups,
            std::size_t at);

  std::vector<HostCapacity> m_hosts;  // sorted by name
  std::vector<HostState> m_state;     // m_state[i] is m_hosts[i]'s
  std::map<std::string, GroupHosts> m_anti;
  std::map<std::string, GroupHosts> m_affinity;
  std::map<std::string, MemberCounts> m_members;  // replica group -> members per host
};

PlacementRun::PlacementRun(const std::vector<HostCapacity>& hosts, const std::vector<PlacedMember>& settled)
    : m_hosts(hosts) {
  std::sort(m_hosts.begin(), m_hosts.end(),
            [](const HostCapacity& a, const HostCapacity& b) { return a.name < b.name; });
  for (const auto& host : m_hosts) m_state.push_back(start_state(host));
  for (const auto& member : settled) {
    auto at = index_of(member.host);
    if (!at) continue;  // a host the run does not know holds nothing it weighs
    join(member.domain, member.anti_affinity, m_anti, *at);
    join(member.domain, member.affinity, m_affinity, *at);
    count_member(member.group, *at);
  }
}

void PlacementRun::count_member(const std::string& group, std::size_t at) {
  if (group.empty()) return;
  auto& counts = m_members[group];
  if (counts.empty()) counts.resize(m_hosts.size());
  ++counts[at];
}

std::optional<std::size_t> PlacementRun::index_of(const std::string& host) const {
  auto it = std::lower_bound(m_hosts.begin(), m_hosts.end(), host,
                             [](const HostCapacity& a, const std::string& name) { return a.name < name; });
  if (it == m_hosts.end() || it->name != host) return std::nullopt;
  return static_cast<std::size_t>(it - m_hosts.begin());
}

void PlacementRun::join(const std::string& domain, const std::string& group,
                        std::map<std::string, GroupHosts>& groups, std::size_t at) {
  if (group.empty()) return;
  auto [it, added] = groups[group].try_emplace(at, domain);
  if (!added && domain < it->second) it->second = domain;
}

// The hosts a request may go to, in name order: `placement.hosts`, else all.
std::vector<std::size_t> PlacementRun::candidates(const PlacementRequest& request) const {
  std::vector<std::size_t> out;
  if (request.hosts.empty()) {
    for (std::size_t i = 0; i < m_hosts.size(); ++i) out.push_back(i);
    return out;
  }
  for (const auto& name : request.hosts) {
    if (auto at = index_of(name)) out.push_back(*at);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Groups PlacementRun::groups_of(const PlacementRequest& request) const {
  Groups groups;
  if (auto it = m_anti.find(request.anti_affinity); !request.anti_affinity.empty() && it != m_anti.end()) {
    groups.anti = &it->second;
  }
  if (auto it = m_affinity.find(request.affinity);
      !request.affinity.empty() && it != m_affinity.end() && !it->second.empty()) {
    groups.affinity = &it->second;
  }
  if (auto it = m_members.find(request.group); !request.group.empty() && it != m_members.end()) {
    groups.members = &it->second;
  }
  return groups;
}

// The rules, in the order a host is judged by them.
Lack PlacementRun::lack(const PlacementRequest& request, std::size_t at, const Groups& groups) const {
  const HostState& state = m_state[at];
  if (state.host->maintenance) return Lack::maintenance;
  if (groups.anti != nullptr && groups.anti->contains(at)) return Lack::anti_affinity;
  if (groups.affinity != nullptr && !groups.affinity->contains(at)) return Lack::affinity;
  if (static_cast<std::int64_t>(request.memory) > state.memory_free) return Lack::memory;
  if (request.vcpus > state.vcpus_free) return Lack::vcpus;
  if (short_pool(request, state) != nullptr) return Lack::pool_space;
  return Lack::nothing;
}

std::string PlacementRun::describe(Lack lack, const PlacementRequest& request, std::size_t at,
                                   const Groups& groups) const {
  const HostState& state = m_state[at];
  switch (lack) {
    case Lack::maintenance:
      return "in maintenance";
    case Lack::anti_affinity:
      return fmt::format("holds {} of anti-affinity group {}", groups.anti->at(at), request.anti_affinity);
    case Lack::affinity: {
      const auto& [host, member] = *groups.affinity->begin();
      return fmt::format("affinity group {} is on {} ({})", request.affinity, m_hosts[host].name, member);
    }
    case Lack::memory:
      return fmt::format("{} of {} GiB memory free, needs {} GiB",
                         gib(std::max<std::int64_t>(state.memory_free, 0)), gib_total(state.memory_allowed),
                         gib(static_cast<std::int64_t>(request.memory)));
    case Lack::vcpus:
      return fmt::format("{} of {} vCPUs free, needs {}", std::max<std::int64_t>(state.vcpus_free, 0),
                         state.vcpus_allowed, request.vcpus);
    case Lack::pool_space: {
      const std::string& pool = *short_pool(request, state);
      return fmt::format("pool {} has {} GiB free, needs {} GiB", pool,
                         gib(std::max<std::int64_t>(state.pool_free.at(pool), 0)),
                         gib(static_cast<std::int64_t>(request.pool_needs.at(pool))));
    }
    case Lack::nothing:
      break;
  }
  return {};
}

// Whether `candidate` beats `best`: fewer members of the request's replica
// group, then the request's strategy; equal hosts keep the earlier one, the
// first by name.
bool PlacementRun::better(const PlacementRequest& request, const Groups& groups, std::size_t candidate,
                          std::size_t best) const {
  if (groups.members != nullptr && (*groups.members)[candidate] != (*groups.members)[best]) {
    return (*groups.members)[candidate] < (*groups.members)[best];
  }
  const HostState& c = m_state[candidate];
  const HostState& b = m_state[best];
  if (request.strategy == PlacementStrategy::spread) {
    return c.memory_free != b.memory_free ? c.memory_free > b.memory_free : c.vcpus_free > b.vcpus_free;
  }
  return c.memory_free != b.memory_free ? c.memory_free < b.memory_free : c.vcpus_free < b.vcpus_free;
}

void PlacementRun::place(const PlacementRequest& request, PlacementResult& out) {
  std::optional<std::size_t> best;
  const auto hosts = candidates(request);
  const Groups groups = groups_of(request);
  for (std::size_t at : hosts) {
    if (lack(request, at, groups) != Lack::nothing) continue;
    if (!best || better(request, groups, at, *best)) best = at;
  }
  if (!best) {
    std::vector<std::string> reasons;
    for (std::size_t at : hosts) {
      reasons.push_back(
          fmt::format("{}: {}", m_hosts[at].name, describe(lack(request, at, groups), request, at, groups)));
    }
    if (hosts.empty())
      reasons.push_back(fmt::format("none of {} is a host of the stack", fmt::join(request.hosts, ", ")));
    out.errors.push_back(
        fmt::format("domain {}: no host fits ({})", request.domain, fmt::join(reasons, "; ")));
    out.unplaced.push_back(request.domain);
    return;
  }
  HostState& state = m_state[*best];
  std::string why =
      fmt::format("{} of {} GiB free, {}", gib(state.memory_free), gib_total(state.memory_allowed),
                  request.strategy == PlacementStrategy::spread ? "spread" : "pack");
  if (!request.group.empty()) {
    why += fmt::format(", {} of group {} there", groups.members != nullptr ? (*groups.members)[*best] : 0,
                       request.group);
  }
  out.placed.push_back(Placement{request.domain, m_hosts[*best].name, std::move(why)});
  state.memory_free -= static_cast<std::int64_t>(request.memory);
  state.vcpus_free -= request.vcpus;
  for (const auto& [pool, need] : request.pool_needs) {
    if (auto free = state.pool_free.find(pool); free != state.pool_free.end())
      free->second -= static_cast<std::int64_t>(need);
  }
  join(request.domain, request.anti_affinity, m_anti, *best);
  join(request.domain, request.affinity, m_affinity, *best);
  count_member(request.group, *best);
}

}  // namespace

PlacementResult place_domains(const std::vector<HostCapacity>& hosts,
                              const std::vector<PlacementRequest>& requests,
                              const std::vector<PlacedMember>& settled) {
  std::vector<const PlacementRequest*> order;
  order.reserve(requests.size());
  for (const auto& request : requests) order.push_back(&request);
  std::sort(order.begin(), order.end(),
            [](const PlacementRequest* a, const PlacementRequest* b) { return a->domain < b->domain; });
  PlacementRun run(hosts, settled);
  PlacementResult out;
  for (const PlacementRequest* request : order) run.place(*request, out);
  return out;
}

}  // namespace virtplan::planner
