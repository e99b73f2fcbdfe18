#include "planner/apply_graph.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

namespace virtplan::planner {

using providers::ObjectId;
using providers::Result;

namespace {

using Index = std::map<ObjectId, std::size_t>;

bool builds(Action action) {
  return action == Action::create || action == Action::update || action == Action::replace;
}

// The objects `spec` needs, as its kind says; none for a null spec.
Result<std::vector<ObjectId>> referenced(const Change& change, const nlohmann::json& spec,
                                         const KindLookup& kinds) {
  if (spec.is_null()) return std::vector<ObjectId>{};
  const providers::ResourceKind* kind = kinds(change.id.kind);
  if (kind == nullptr) {
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}: unknown kind '{}'", change.id.address(), change.id.kind));
  }
  std::vector<ObjectId> out;
  for (const providers::Reference& ref :
       kind->references(providers::StackObject{change.id, spec, {}, {}, {}})) {
    out.push_back(ref.target);
  }
  return out;
}

// Follows the first unfinished dependency from `start` until a step repeats:
// every step left after a topological sort lies on or leads to a cycle.
std::vector<std::size_t> find_cycle(
    std::size_t start, const std::vector<bool>& finished,
    const std::function<const std::vector<std::size_t>&(std::size_t)>& needs) {
  std::vector<std::size_t> path;
  std::map<std::size_t, std::size_t> seen;  // step -> position in path
  std::size_t at = start;
  while (!seen.contains(at)) {
    seen[at] = path.size();
    path.push_back(at);
    for (std::size_t next : needs(at)) {
      if (!finished[next]) {
        at = next;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(path.begin() + static_cast<std::ptrdiff_t>(seen[at]), path.end());
  cycle.push_back(at);
  return cycle;
}

}  // namespace

ApplyGraph::ApplyGraph(std::vector<Change> steps)
    : m_steps(std::move(steps)), m_needs(m_steps.size()), m_needed_by(m_steps.size()) {}

void ApplyGraph::add_edge(std::size_t first, std::size_t then) {
  if (first == then) return;
  auto& needs = m_needs[then];
  if (std::find(needs.begin(), needs.end(), first) != needs.end()) return;
  needs.insert(std::upper_bound(needs.begin(), needs.end(), first), first);
  auto& needed_by = m_needed_by[first];
  needed_by.insert(std::upper_bound(needed_by.begin(), needed_by.end(), then), then);
}

Result<ApplyGraph> ApplyGraph::build(const Plan& plan, const KindLookup& kinds) {
  std::vector<Change> steps;
  for (const Change& c : plan.changes()) {
    if (c.action != Action::no_op) steps.push_back(c);
  }
  ApplyGraph graph(std::move(steps));
  Index index;
  for (std::size_t i = 0; i < graph.size(); ++i) index.emplace(graph.step(i).id, i);

  std::map<std::string, std::size_t> carriers;  // a migrate's address -> its step
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Change& change = graph.step(i);
    if (change.action == Action::migrate && change.moves_with.empty())
      carriers.emplace(change.id.address(), i);
  }

  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Change& change = graph.step(i);
    // What moves with a migrating object is moved by that object's step.
    if (auto carrier = carriers.find(change.moves_with); carrier != carriers.end())
      graph.add_edge(carrier->second, i);
    // What this object will use must be built first: a migrate's, on the
    // host it moves to.
    if (builds(change.action) || change.action == Action::migrate) {
      Change there = change;
      if (change.action == Action::migrate) there.id.host = change.destination;
      auto targets = referenced(there, change.after, kinds);
      if (!targets) return std::unexpected(targets.error());
      // What moves with another is made there by that one's step: it waits too
      // (an overlay's base before the domain whose step copies the overlay).
      auto carrier = carriers.find(change.moves_with);
      for (const ObjectId& target : *targets) {
        auto it = index.find(target);
        if (it == index.end() || !builds(graph.step(it->second).action)) continue;
        graph.add_edge(it->second, i);
        if (carrier != carriers.end()) graph.add_edge(it->second, carrier->second);
      }
    }
    // What this object used is destroyed only after it has let go.
    auto used = referenced(change, change.observed_spec(), kinds);
    if (!used) return std::unexpected(used.error());
    for (const ObjectId& target : *used) {
      auto it = index.find(target);
      if (it != index.end() && graph.step(it->second).action == Action::destroy)
        graph.add_edge(i, it->second);
    }
  }
  if (auto acyclic = graph.check_acyclic(); !acyclic) return std::unexpected(acyclic.error());
  return graph;
}

std::vector<std::size_t> ApplyGraph::order() const {
  std::vector<std::size_t> waiting(size());
  std::set<std::size_t> ready;  // lowest index (address order) first
  for (std::size_t i = 0; i < size(); ++i) {
    waiting[i] = m_needs[i].size();
    if (waiting[i] == 0) ready.insert(i);
  }
  std::vector<std::size_t> out;
  while (!ready.empty()) {
    const std::size_t next = *ready.begin();
    ready.erase(ready.begin());
    out.push_back(next);
    for (std::size_t then : m_needed_by[next]) {
      if (--waiting[then] == 0) ready.insert(then);
    }
  }
  return out;  // shorter than size() only when there is a cycle
}

std::vector<std::size_t> ApplyGraph::heights() const {
  std::vector<std::size_t> height(size(), 1);
  const std::vector<std::size_t> steps = order();
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    for (std::size_t then : m_needed_by[*it]) height[*it] = std::max(height[*it], height[then] + 1);
  }
  return height;
}

Result<void> ApplyGraph::check_acyclic() const {
  const std::vector<std::size_t> sorted = order();
  if (sorted.size() == size()) return {};
  std::vector<bool> finished(size(), false);
  for (std::size_t i : sorted) finished[i] = true;
  const auto unfinished = std::find(finished.begin(), finished.end(), false) - finished.begin();
  // Print the cycle in the order things would have to happen.
  auto cycle = find_cycle(static_cast<std::size_t>(unfinished), finished,
                          [this](std::size_t i) -> const std::vector<std::size_t>& { return m_needs[i]; });
  std::reverse(cycle.begin(), cycle.end());
  std::vector<std::string> names;
  for (std::size_t i : cycle) names.push_back(m_steps[i].id.address());
  return providers::fail(providers::ErrorCode::invalid,
                         fmt::format("dependency cycle: {}", fmt::join(names, " -> ")));
}

}  // namespace virtplan::planner
