#include "planner/plan.h"

#include <algorithm>

namespace virtplan::planner {

using providers::Impact;

Plan::Plan(std::string stack, std::vector<Change> changes)
    : m_stack(std::move(stack)), m_changes(std::move(changes)) {
  // Sorted by kind, then name, then host: the address order users scan.
  std::sort(m_changes.begin(), m_changes.end(),
            [](const Change& a, const Change& b) { return a.id.address() < b.id.address(); });
}

PlanSummary Plan::summary() const {
  PlanSummary s;
  for (const Change& c : m_changes) {
    switch (c.action) {
      case Action::no_op:
        ++s.unchanged;
        break;
      case Action::create:
        ++s.add;
        break;
      case Action::replace:
        ++s.replace;
        break;
      case Action::destroy:
        ++s.destroy;
        break;
      case Action::update:
        ++s.change;
        if (c.impact == Impact::restart) {
          ++s.change_restart;
        } else {
          ++s.change_live;
        }
        break;
    }
  }
  return s;
}

}  // namespace virtplan::planner
