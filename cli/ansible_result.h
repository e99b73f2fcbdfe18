#pragma once

// The one JSON object the Ansible module prints, shaped from what the run
// found and did, with Ansible's meaning for each key:
//   changed   something on a host changed (check mode: would change)
//   failed    anything planned was not done, a host could not be reached,
//             read or locked, or the run was refused; msg then names each
//             object and host
//   msg       one line per problem, "; "-joined; or what was done
//   plan      the plan as `virtplan plan --json` prints it, secrets masked
//   summary   the plan's counts (plan_json's, and `unchanged`, the same as
//             `no_op`), plus done/failed/skipped after an apply
//   report    the apply report (apply_report_json), when something was applied
//   diff      with --diff: Ansible's {before, after, before_header,
//             after_header} per object that changes, secrets masked
//   warnings  what the actuators warned about (a pending restart, a kept
//             directory), each with its object's address; in check mode, the
//             restarts `restart: never` will leave pending
// It is pure: no I/O, so every shape is unit-tested.

#include "planner/apply_report.h"
#include "planner/diff.h"
#include "planner/plan.h"
#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::cli {

struct AnsibleOutcome {
  const planner::Plan* plan = nullptr;                            // null when no plan could be made
  const planner::ApplyReport* report = nullptr;                   // null unless the plan was carried out
  std::vector<std::string> errors{};                              // why nothing was done: nothing changed
  std::map<std::string, providers::Error> unread{};               // host -> what kept it from being read
  std::map<std::string, std::vector<std::string>> not_reached{};  // host -> addresses declared there
  bool check_mode = false;
  bool diff = false;
};

nlohmann::json ansible_result(const AnsibleOutcome& outcome);

// Ansible's diff list: one entry per change that is not a no-op, in plan
// order; before/after are the object's specs ("" for a create's before and
// a destroy's after), secrets masked.
nlohmann::json ansible_diff(const planner::Plan& plan);

// What the guards refuse, one message per change ("domain.web@lab1: needs a
// restart (vcpus); set allow_restart: true to allow it"): an update with a
// restart impact (unless the domain declares `restart: never`, which leaves
// it pending; a `config` impact restarts nothing) and a replace, without
// allow_restart; a destroy or replace that
// loses data (planner::data_loss: bytes, a domain's managed save, NVRAM or
// snapshots), without allow_data_loss.
std::vector<std::string> guard_refusals(const planner::Plan& plan, const planner::KindLookup& kinds,
                                        bool allow_restart, bool allow_data_loss);

}  // namespace virtplan::cli
