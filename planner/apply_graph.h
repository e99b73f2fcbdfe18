#pragma once

// ApplyGraph is the order of an apply: one step per planned change that does
// something (no-ops are left out), and for each step the steps that must
// finish before it starts. It is built from the plan alone, through each
// kind's references():
//
//   - a create, update or replace runs after the creates, updates and
//     replaces of what its `after` references (pool -> volume -> domain,
//     network -> domain);
//   - a destroy runs after every step whose `before` references the object:
//     the destroys of the objects using it, and the updates or replaces that
//     stop using it. Destroy runs in reverse: when the stack drops pool p,
//     its volume v and domain d (d's disk is v, v lives in p), the creates
//     went p -> v -> d, so the destroys go d -> v -> p, since libvirt will not
//     delete a pool that still holds volumes, and a volume deleted under a
//     domain leaves the domain broken.
//
// References to objects without a step (unchanged, or not the stack's) add no
// edge. A cycle is an error naming it: "dependency cycle: volume.a@lab1 ->
// volume.b@lab1 -> volume.a@lab1".

#include "planner/diff.h"
#include "planner/plan.h"
#include "providers/base/error.h"

#include <cstddef>
#include <vector>

namespace virtplan::planner {

class ApplyGraph {
public:
  static providers::Result<ApplyGraph> build(const Plan& plan, const KindLookup& kinds);

  std::size_t size() const { return m_steps.size(); }
  const Change& step(std::size_t index) const { return m_steps[index]; }
  // The steps that must finish before `index` starts, ascending.
  const std::vector<std::size_t>& dependencies(std::size_t index) const { return m_needs[index]; }
  // The steps that wait for `index`, ascending.
  const std::vector<std::size_t>& dependents(std::size_t index) const { return m_needed_by[index]; }
  // Every step in an order that respects the dependencies (ties by address).
  std::vector<std::size_t> order() const;
  // Each step's height: the number of steps on the longest chain from it to
  // a step nothing waits on, itself included (1 for that last step).
  std::vector<std::size_t> heights() const;

private:
  explicit ApplyGraph(std::vector<Change> steps);
  void add_edge(std::size_t first, std::size_t then);
  providers::Result<void> check_acyclic() const;

  std::vector<Change> m_steps;  // sorted by address, as in the plan
  std::vector<std::vector<std::size_t>> m_needs;
  std::vector<std::vector<std::size_t>> m_needed_by;
};

}  // namespace virtplan::planner
