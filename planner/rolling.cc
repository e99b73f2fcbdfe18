#include "planner/rolling.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace virtplan::planner {

using providers::ObjectId;

namespace {

// A member's index in its group: 10 for "web-10" of group "web".
int member_index(const std::string& group, const std::string& name) {
  int index = 0;
  if (!name.starts_with(group + "-")) return index;
  const char* first = name.data() + group.size() + 1;
  std::from_chars(first, name.data() + name.size(), index);
  return index;
}

}  // namespace

void mark_group_members(std::vector<Change>& changes, const GroupMembers& members) {
  if (members.empty()) return;
  for (Change& change : changes) {
    ObjectId member = change.id;
    if (change.action == Action::migrate) member.host = change.destination;
    auto it = members.find(member);
    if (it == members.end()) continue;
    change.group = it->second.group;
    change.max_unavailable = it->second.max_unavailable;
  }
}

bool disrupts(const Change& change) {
  if (change.group.empty()) return false;
  switch (change.action) {
    case Action::replace:
    case Action::migrate:
      return true;
    case Action::update:
      return change.impact == providers::Impact::restart;
    default:
      return false;
  }
}

std::vector<Roll> rolls_of(const std::vector<Change>& changes) {
  std::map<std::string, Roll> by_group;
  for (const Change& change : changes) {
    if (!disrupts(change)) continue;
    Roll& roll = by_group[change.group];
    roll.group = change.group;
    roll.max_unavailable = std::max(1, change.max_unavailable);
    roll.members.push_back(change.id);
  }
  std::vector<Roll> out;
  for (auto& [group, roll] : by_group) {
    std::sort(roll.members.begin(), roll.members.end(), [&](const ObjectId& a, const ObjectId& b) {
      return std::pair(member_index(group, a.name), a) < std::pair(member_index(group, b.name), b);
    });
    out.push_back(std::move(roll));
  }
  return out;
}

std::string roll_line(const Roll& roll) {
  std::vector<std::string> names;
  for (const ObjectId& member : roll.members) names.push_back(member.name);
  return fmt::format("rolling: {} (max_unavailable {})", fmt::join(names, ", "), roll.max_unavailable);
}

std::optional<std::string> stopped_roll_line(const Roll& roll, const RollOutcome& outcome) {
  if (outcome.failed.empty()) return std::nullopt;
  auto listed = [](const std::vector<std::string>& names) {
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
  };
  return fmt::format("rolling {} stopped: done {}; failed {}; left {}", roll.group, listed(outcome.done),
                     listed(outcome.failed), listed(outcome.left));
}

}  // namespace virtplan::planner
