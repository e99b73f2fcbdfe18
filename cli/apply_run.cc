#include "cli/apply_run.h"

#include "cli/kinds.h"
#include "cli/lock_wait_option.h"
#include "cli/progress_printer.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "planner/apply_executor.h"
#include "planner/apply_observer.h"
#include "planner/apply_report_json.h"
#include "planner/apply_report_text.h"
#include "planner/observer.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "planner/unread_host.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <map>
#include <vector>

namespace virtplan::cli {
namespace {

providers::RemoteHostAccess::Options access_options(std::chrono::seconds lock_wait, std::string holder,
                                                    providers::HostConnections& hosts) {
  providers::RemoteHostAccess::Options options;
  options.lock_wait = lock_wait;
  options.holder = std::move(holder);
  options.connect = hosts.maker();
  // The hosts' identities are read while their locks are taken and their
  // ledgers read, and lock_and_observe() checks them before anything is
  // planned: a second entry for one hypervisor just fails on the first
  // one's lock meanwhile. Waiting for a busy lock, that second entry would
  // wait out the whole --lock-wait: then the identities come first.
  if (lock_wait.count() > 0) options.before_lock = [&hosts] { return one_entry_per_hypervisor(hosts); };
  return options;
}

// `--json`: the plan, what became of it, and the hosts not read, in one
// document ("unreachable" keeps its name for scripts that read it).
void print_json(const planner::Plan& plan, const planner::ApplyReport& report,
                const std::map<std::string, providers::Error>& unread) {
  const nlohmann::json document{{"plan", planner::plan_to_json(plan, planner::Secrets::masked)},
                                {"report", planner::apply_report_json(report)},
                                {"unreachable", planner::unread_messages(unread)}};
  fmt::print("{}\n", document.dump(2));
}

}  // namespace

ExecuteOptions RunOptions::execute_options(std::string_view question) const {
  return ExecuteOptions{.question = question,
                        .auto_approve = auto_approve ? AutoApprove::yes : AutoApprove::no,
                        .json = json,
                        .parallelism = parallelism};
}

void add_run_options(CLI::App& command, RunOptions& options, const RunHelp& help) {
  add_stack_file_option(command, options.path);
  command.add_option(
      "--target", options.targets,
      fmt::format("{} only this object (KIND.NAME@HOST) and {}; repeatable", help.verb, help.needing));
  command.add_flag("--auto-approve", options.auto_approve,
                   fmt::format("{} without asking (required without a terminal)", help.verb));
  command
      .add_option("--parallelism", options.parallelism,
                  fmt::format("at most N objects {} at once over all hosts (default: no cap; each host takes "
                              "as many at once as its CPUs allow, whatever the others do)",
                              help.done))
      ->check(CLI::Range(1, 64));
  add_lock_wait_option(command, options.lock_wait);
  command.add_flag("--json", options.json, "print the plan and the report as one JSON document");
}

std::string unread_hosts_text(const std::map<std::string, providers::Error>& unread,
                              const std::map<std::string, std::vector<std::string>>& objects) {
  std::string text;
  for (const auto& [host, why] : unread) {
    text += fmt::format("  {}\n",
                        planner::unread_summary(host, why, "nothing was planned or done there", objects));
  }
  return text;
}

ApplyRun::ApplyRun(const planner::Stack& stack, std::chrono::seconds lock_wait, std::string holder)
    : m_stack(stack),
      m_hosts(stack.hosts),
      m_access(stack.name, stack.hosts, access_options(lock_wait, std::move(holder), m_hosts)) {}

providers::Result<planner::ObservedState> ApplyRun::lock_and_observe(
    const std::vector<const providers::KindReader*>& extra) {
  // lock and observe: every host at once (a slow or dead host costs its
  // connect timeout once), each through its locked session, so that nothing
  // changes a host between its lock and its reading, and its virsh (started
  // meanwhile) answers the reads without a virsh process per round; with the
  // ledger loaded under the lock, not read again
  const planner::HostOpener open =
      [this](const providers::HostConfig& host) -> providers::Result<planner::OpenHost> {
    auto session = m_access.session(host.name);
    if (!session) return std::unexpected(session.error());
    return planner::OpenHost{*session, m_access.ledger(host.name)};
  };
  std::vector<const providers::KindReader*> readers = kind_readers();
  readers.insert(readers.end(), extra.begin(), extra.end());
  planner::ObservedState observed =
      planner::observe(m_stack.name, m_stack.hosts, open, readers, m_stack.objects);
  // refuse one hypervisor under two names (each entry's lock would shut the
  // other out, each plan would destroy the other's objects): nothing was
  // planned or changed yet
  if (auto one = one_entry_per_hypervisor(m_hosts); !one) return std::unexpected(one.error());
  remember_vanished_entries(observed);
  return observed;
}

// Ledger entries whose objects the host does not hold (an intent whose create
// failed or never ran, an entry a killed destroy left behind), read under the
// lock, so no apply of the stack is making one now. Kept, one would make a
// foreign object made later under its name the stack's. They are forgotten
// once the run goes ahead (it changes the hosts or finds nothing to do), not
// when it stops before (refused, not approved); a create the plan still holds
// records its intent again before it runs. A save that fails leaves them for
// the next run.
void ApplyRun::remember_vanished_entries(const planner::ObservedState& observed) {
  m_vanished = observed.vanished_entries;
}

// Called by apply() only, whether or not the plan changes anything: the
// one place where a run that goes ahead lets go of them.
void ApplyRun::forget_vanished_entries() {
  for (const providers::ObjectId& id : m_vanished) (void)m_access.forget(id);
  m_vanished.clear();
}

planner::ApplyReport ApplyRun::apply(const planner::Plan& plan, planner::ApplyObserver& observer,
                                     int parallelism, providers::StopMode stop) {
  forget_vanished_entries();
  if (!plan.summary().has_changes()) return {};
  return planner::apply_plan(plan, kind_lookup(), kind_actuator, m_access, observer,
                             planner::ApplyOptions{.parallelism = parallelism, .stop = stop});
}

int ApplyRun::execute(const planner::Plan& plan, const planner::ObservedState& observed,
                      const ExecuteOptions& options) {
  // show: no plan at all when no host was read, not even "No changes"
  const bool all_read = observed.unread.empty();
  const bool none_read = planner::no_host_read(m_stack.hosts.size(), observed.unread);
  const auto not_done = planner::unread_objects(m_stack.objects, observed.unread);
  if (!options.json && !none_read) fmt::print("{}", planner::render_plan_text(plan, kind_lookup()));
  if (!plan.summary().has_changes()) {
    planner::NullApplyObserver nothing_to_report;
    apply(plan, nothing_to_report, options.parallelism, options.stop);  // forgets vanished entries only
    if (options.json) {
      print_json(plan, planner::ApplyReport(), observed.unread);
    } else {
      fmt::print("{}{}", none_read ? "" : "\nNothing to do.\n", unread_hosts_text(observed.unread, not_done));
    }
    return all_read ? 0 : 1;
  }
  // confirm
  if (!confirmed(options.question, options.auto_approve, options.json ? stderr : stdout)) return 1;
  // apply
  ProgressPrinter printer(stdout);
  planner::NullApplyObserver quiet;
  if (!options.json) fmt::print("\n");
  const planner::ApplyReport report =
      apply(plan, options.json ? static_cast<planner::ApplyObserver&>(quiet) : printer, options.parallelism,
            options.stop);
  // report
  if (options.json) {
    print_json(plan, report, observed.unread);
  } else {
    fmt::print("\n{}{}", planner::render_apply_report_text(report),
               unread_hosts_text(observed.unread, not_done));
  }
  return report.ok() && all_read ? 0 : 1;
}

}  // namespace virtplan::cli
