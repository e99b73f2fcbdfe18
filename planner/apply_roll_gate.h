#pragma once

// ApplyRollGate is the scheduler's gate for the rolls of replica groups
// (planner/rolling.h): of a roll's member steps, at most max_unavailable
// run at once, taken in member order (only the first waiting ones may
// start, however soon the others' dependencies are done), and once one
// fails the roll stops: the members not started are left, never run.
// Not thread-safe: the scheduler calls it under its own lock.

#include "planner/apply_graph.h"
#include "planner/rolling.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

class ApplyRollGate {
public:
  explicit ApplyRollGate(const ApplyGraph& graph);

  // Whether `step` may start now, as far as its roll says (any step outside a roll may).
  bool may_start(std::size_t step) const;
  void started(std::size_t step);
  // `step` ended. When it was a roll's and failed, the roll stops: returns
  // the roll's members not started, which are to be left.
  std::vector<std::size_t> finished(std::size_t step, bool ok);
  // `step` will never run (something it needs failed): the members after
  // it in its roll need not wait for it.
  void dropped(std::size_t step);
  // Why a member returned by finished() was left: "left untouched: the roll
  // of group web stopped when domain.web-2@lab1 failed".
  std::string left_reason(std::size_t step) const;

  const std::vector<Roll>& rolls() const { return m_rolls; }

private:
  struct State {
    std::vector<std::size_t> waiting;  // member steps not started, in roll order
    int running = 0;
    std::optional<std::size_t> failed;  // the member that stopped the roll
  };

  const ApplyGraph& m_graph;
  std::vector<Roll> m_rolls;
  std::vector<State> m_states;                        // one per roll
  std::vector<std::optional<std::size_t>> m_roll_of;  // per step: its roll
};

}  // namespace virtplan::planner
