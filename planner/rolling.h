#pragma once

// Rolling changes of replica groups (issue 20): the disruptive steps of a
// group's members — a restart-class update, a replace, a migrate — run at
// most the group's `max_unavailable` at a time, in member order (web-1,
// web-2, ..., web-10), each started only when fewer than that many are
// down; a member is back when its step ends (the domain actuator ends a
// restart once the domain runs again and, with `wait: {ip: true}`, has its
// address). A member that fails stops the roll: the members not started are
// left untouched, and the apply report says which were done, which failed
// and which were left. Live and config-class changes of members are not
// part of a roll: they run as any other step.
//
// This is the one place that decides what rolls: the diff marks each
// member's change with its group (mark_group_members), rolls_of() reads the
// plan's changes, and the plan text and JSON show what it returns; the
// apply scheduler (planner/apply_executor.cc) gates the steps it names.

#include "planner/plan.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

// GroupMember is what makes a domain a replica group's member
// (planner/replica_groups.h): its group's name, and how many of the group
// may be down at once while apply restarts, replaces or migrates them.
struct GroupMember {
  std::string group;
  int max_unavailable = 0;

  bool operator==(const GroupMember&) const = default;
};

// A stack's group members (Stack::group_members), by the member domain's
// id on its host.
using GroupMembers = std::map<providers::ObjectId, GroupMember>;

// Roll is one replica group's disruptive member changes, in member order.
struct Roll {
  std::string group;
  int max_unavailable = 1;
  std::vector<providers::ObjectId> members;

  bool operator==(const Roll&) const = default;
};

// Gives each change of a group member's domain its group and
// max_unavailable (a migrate's by its destination).
void mark_group_members(std::vector<Change>& changes, const GroupMembers& members);

// Whether `change` takes its member down: a restart-class update, a
// replace or a migrate of a group member.
bool disrupts(const Change& change);

// The plan's rolls, sorted by group.
std::vector<Roll> rolls_of(const std::vector<Change>& changes);

// "rolling: web-1, web-2, web-3 (max_unavailable 1)"
std::string roll_line(const Roll& roll);

// RollOutcome is how a roll ended, by member name.
struct RollOutcome {
  std::vector<std::string> done;
  std::vector<std::string> failed;
  std::vector<std::string> left;  // not started: skipped
};

// The report's line for a roll that stopped: "rolling web stopped: done
// web-1; failed web-2; left web-3"; none for a roll that completed.
std::optional<std::string> stopped_roll_line(const Roll& roll, const RollOutcome& outcome);

}  // namespace virtplan::planner
