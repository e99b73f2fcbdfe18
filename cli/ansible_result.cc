#include "cli/ansible_result.h"

#include "planner/apply_report_json.h"
#include "planner/data_safety.h"
#include "planner/plan_json.h"
#include "planner/sensitive.h"
#include "planner/unread_host.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace virtplan::cli {
namespace {

using nlohmann::json;
using planner::Action;
using planner::Change;
using providers::Impact;

json spec_or_empty(const json& spec) { return spec.is_null() ? json("") : planner::mask_sensitive(spec); }

std::vector<std::string> field_paths(const Change& change, Impact impact) {
  std::vector<std::string> paths;
  for (const auto& field : change.fields) {
    if (field.impact == impact) paths.push_back(field.path);
  }
  return paths;
}

// A running domain that declares `restart: never` keeps restart-class
// changes pending instead of restarting (the actuator warns), so the
// restart guard has nothing to refuse there.
bool restart_deferred(const Change& change) {
  return change.after.is_object() && change.after.value("restart", std::string()) == "never";
}

// "done 2 (create pool.a@lab1, update domain.w@lab1)"-like success line.
std::string done_message(const planner::ApplyReport& report) {
  if (report.results().empty()) return "nothing to do";
  std::vector<std::string> done;
  for (const auto& r : report.results()) {
    if (r.status == planner::StepStatus::done) {
      done.push_back(fmt::format("{} {}", planner::to_string(r.action), r.id.address()));
    }
  }
  return fmt::format("{} done: {}", done.size(), fmt::join(done, ", "));
}

std::string would_message(const planner::Plan& plan) {
  std::vector<std::string> would;
  for (const Change& c : plan.changes()) {
    if (c.action != Action::no_op)
      would.push_back(fmt::format("{} {}", planner::to_string(c.action), c.id.address()));
  }
  if (would.empty()) return "check mode: nothing to do";
  return fmt::format("check mode: would {}", fmt::join(would, ", "));
}

std::vector<std::string> problems(const AnsibleOutcome& o) {
  std::vector<std::string> lines = o.errors;
  if (o.report != nullptr) {
    for (const std::string& error : o.report->errors()) lines.push_back(error);
    for (const auto& r : o.report->results()) {
      if (r.status == planner::StepStatus::done) continue;
      lines.push_back(fmt::format("{}: {} {}: {}", r.id.address(), planner::to_string(r.action),
                                  planner::to_string(r.status), r.reason));
    }
  }
  for (const auto& [host, why] : o.unread) {
    lines.push_back(planner::unread_summary(host, why, "nothing was planned or done there", o.not_reached));
  }
  return lines;
}

json warnings_of(const planner::ApplyReport& report) {
  json warnings = json::array();
  for (const auto& r : report.results()) {
    const std::string address = r.id.address();
    for (const std::string& w : r.warnings) {
      // Some actuators already name the object; say it once.
      warnings.push_back(w.starts_with(address + ":") ? w : fmt::format("{}: {}", address, w));
    }
  }
  return warnings;
}

// Check mode cannot hear the actuators, so it says itself which changes
// `restart: never` will leave pending.
json pending_restarts(const planner::Plan& plan) {
  json warnings = json::array();
  for (const Change& c : plan.changes()) {
    if (c.action == Action::update && c.impact == Impact::restart && restart_deferred(c)) {
      warnings.push_back(fmt::format("{}: restart pending after apply (restart: never): {}", c.id.address(),
                                     fmt::join(field_paths(c, Impact::restart), ", ")));
    }
  }
  return warnings;
}

json summary_of(const AnsibleOutcome& o) {
  json summary = o.plan != nullptr ? planner::plan_to_json(*o.plan, planner::Secrets::masked)["summary"]
                                   : json::object();
  // `no_op` is the plan's word; `unchanged`, the same count, is what the
  // module's documentation said before it, kept for playbooks that read it.
  if (summary.contains("no_op")) summary["unchanged"] = summary["no_op"];
  if (o.report != nullptr) {
    summary["done"] = o.report->done();
    summary["failed"] = o.report->failed();
    summary["skipped"] = o.report->skipped();
  }
  return summary;
}

}  // namespace

json ansible_diff(const planner::Plan& plan) {
  json entries = json::array();
  for (const Change& c : plan.changes()) {
    if (c.action == Action::no_op) continue;
    const std::string address = c.id.address();
    entries.push_back({{"before_header", fmt::format("{} (on {})", address, c.id.host)},
                       {"after_header", fmt::format("{} ({})", address, planner::to_string(c.action))},
                       {"before", spec_or_empty(c.before)},
                       {"after", spec_or_empty(c.after)}});
  }
  return entries;
}

std::vector<std::string> guard_refusals(const planner::Plan& plan, const planner::KindLookup& kinds,
                                        bool allow_restart, bool allow_data_loss) {
  std::vector<std::string> refused;
  for (const Change& c : plan.changes()) {
    const std::string address = c.id.address();
    if (!allow_restart) {
      if (c.action == Action::replace) {
        refused.push_back(
            fmt::format("{}: would be replaced (destroyed and created again: {}); set allow_restart: "
                        "true to allow it",
                        address, fmt::join(field_paths(c, Impact::replace), ", ")));
      } else if (c.action == Action::update && c.impact == Impact::restart && !restart_deferred(c)) {
        refused.push_back(fmt::format("{}: needs a restart ({}); set allow_restart: true to allow it",
                                      address, fmt::join(field_paths(c, Impact::restart), ", ")));
      }
    }
    if (!allow_data_loss && (c.action == Action::destroy || c.action == Action::replace)) {
      const providers::ResourceKind* kind = kinds(c.id.kind);
      if (kind == nullptr) continue;
      if (auto lost = planner::data_loss(*kind, c.observed_spec())) {
        refused.push_back(fmt::format("{}: {} loses its data ({}); set allow_data_loss: true to allow it",
                                      address, planner::to_string(c.action), *lost));
      }
    }
  }
  return refused;
}

json ansible_result(const AnsibleOutcome& o) {
  json result = json::object();
  const std::vector<std::string> lines = problems(o);
  const bool failed = !lines.empty();
  bool changed = false;
  if (o.report != nullptr) {
    changed = o.report->done() > 0;
  } else if (o.check_mode && o.errors.empty() && o.plan != nullptr) {
    changed = o.plan->summary().has_changes();
  }
  result["changed"] = changed;
  if (failed) {
    result["failed"] = true;
    result["msg"] = fmt::format("{}", fmt::join(lines, "; "));
  } else if (o.report != nullptr) {
    result["msg"] = done_message(*o.report);
  } else if (o.plan != nullptr && o.check_mode) {
    result["msg"] = would_message(*o.plan);
  } else {
    result["msg"] = "nothing to do";
  }
  if (o.plan != nullptr) {
    result["plan"] = planner::plan_to_json(*o.plan, planner::Secrets::masked);
    if (o.diff) result["diff"] = ansible_diff(*o.plan);
  }
  result["summary"] = summary_of(o);
  if (o.report != nullptr) {
    result["report"] = planner::apply_report_json(*o.report);
    result["warnings"] = warnings_of(*o.report);
  } else if (o.check_mode && o.plan != nullptr) {
    result["warnings"] = pending_restarts(*o.plan);
  }
  // The key keeps its name for playbooks that read it; it holds every host
  // not read (unreachable, locked or unreadable), each with its message.
  result["unreachable"] = planner::unread_messages(o.unread);
  return result;
}

}  // namespace virtplan::cli
