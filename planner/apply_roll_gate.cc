#include "planner/apply_roll_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace virtplan::planner {

ApplyRollGate::ApplyRollGate(const ApplyGraph& graph) : m_graph(graph), m_roll_of(graph.size()) {
  std::vector<Change> steps;
  std::map<providers::ObjectId, std::size_t> index;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    steps.push_back(graph.step(i));
    index.emplace(graph.step(i).id, i);
  }
  m_rolls = rolls_of(steps);
  m_states.resize(m_rolls.size());
  for (std::size_t r = 0; r < m_rolls.size(); ++r) {
    for (const providers::ObjectId& member : m_rolls[r].members) {
      const std::size_t step = index.at(member);
      m_states[r].waiting.push_back(step);
      m_roll_of[step] = r;
    }
  }
}

bool ApplyRollGate::may_start(std::size_t step) const {
  if (!m_roll_of[step]) return true;
  const State& state = m_states[*m_roll_of[step]];
  const int room = m_rolls[*m_roll_of[step]].max_unavailable - state.running;
  if (state.failed || room <= 0) return false;
  auto at = std::find(state.waiting.begin(), state.waiting.end(), step);
  return at != state.waiting.end() && at - state.waiting.begin() < room;
}

void ApplyRollGate::started(std::size_t step) {
  if (!m_roll_of[step]) return;
  State& state = m_states[*m_roll_of[step]];
  std::erase(state.waiting, step);
  ++state.running;
}

std::vector<std::size_t> ApplyRollGate::finished(std::size_t step, bool ok) {
  if (!m_roll_of[step]) return {};
  State& state = m_states[*m_roll_of[step]];
  --state.running;
  if (ok || state.failed) return {};
  state.failed = step;
  return std::exchange(state.waiting, {});
}

void ApplyRollGate::dropped(std::size_t step) {
  if (m_roll_of[step]) std::erase(m_states[*m_roll_of[step]].waiting, step);
}

std::string ApplyRollGate::left_reason(std::size_t step) const {
  const std::size_t roll = m_roll_of[step].value_or(0);
  const auto failed = m_states.at(roll).failed;
  return fmt::format("left untouched: the roll of group {} stopped when {} failed", m_rolls.at(roll).group,
                     failed ? m_graph.step(*failed).id.address() : std::string("a member"));
}

}  // namespace virtplan::planner
