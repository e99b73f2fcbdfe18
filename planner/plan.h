#pragma once

// Plan is what would change, where, and how disruptively: one Change per
// object the stack declares or owns, sorted by address so every rendering is
// stable. It is a value: made by diff(), rendered as text or JSON, saved to a
// file and applied later.

#include "planner/change.h"

#include <string>
#include <vector>

namespace virtplan::planner {

// PlanSummary counts changes by action, updates also by impact.
struct PlanSummary {
  int add = 0;
  int change = 0;
  int change_live = 0;
  int change_restart = 0;
  int replace = 0;
  int destroy = 0;
  int unchanged = 0;

  bool has_changes() const { return add + change + replace + destroy > 0; }
  bool operator==(const PlanSummary&) const = default;
};

class Plan {
public:
  Plan(std::string stack, std::vector<Change> changes);

  const std::string& stack() const { return m_stack; }
  const std::vector<Change>& changes() const { return m_changes; }
  PlanSummary summary() const;

  bool operator==(const Plan&) const = default;

private:
  std::string m_stack;
  std::vector<Change> m_changes;  // sorted by address
};

}  // namespace virtplan::planner
