#pragma once

// ApplyRun is one `apply` or `destroy` from the moment the hosts are locked to
// the final report. It reaches every host of the stack at once when made
// (providers::HostConnections); lock_and_observe() takes the stack's lock on
// every host (HostSession::open, through RemoteHostAccess) and reads each
// host through that same session (planner::observe), so nothing another
// apply does can slip in between the read and the changes; it refuses the
// run when two entries reach one hypervisor.
// execute() shows the plan, asks, carries it out and reports.
// A host that cannot be reached or read, or whose lock another command holds,
// is set aside with the reason: nothing is planned or done there, the others
// go on, and the exit status says so. Ledger entries whose objects are gone
// (ObservedState::vanished_entries, read under the lock) are forgotten once
// the run changes the hosts, or finds nothing to do: not when it stops before
// (refused, not approved).

#include "cli/confirmation.h"
#include "planner/apply_observer.h"
#include "planner/apply_report.h"
#include "planner/observed_state.h"
#include "planner/plan.h"
#include "planner/stack.h"
#include "providers/host/host_connections.h"
#include "providers/host/remote_host_access.h"
#include "providers/kind/actuator.h"
#include "providers/kind/reader.h"

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace virtplan::cli {

struct ExecuteOptions {
  std::string_view question;  // "Apply these changes"
  AutoApprove auto_approve = AutoApprove::no;
  bool json = false;
  int parallelism = 0;  // at most this many steps at once over all hosts; 0: no cap (planner::ApplyOptions)
  // How destroys stop running domains: immediate for `destroy --force`.
  providers::StopMode stop = providers::StopMode::graceful;
};

// What apply and destroy both take on the command line (add_run_options).
struct RunOptions {
  std::string path;
  std::vector<std::string> targets;
  bool auto_approve = false;
  bool json = false;
  int parallelism = 0;  // no cap over all hosts: each host takes what it can
  int lock_wait = 0;

  // How execute() goes, asking `question` ("Apply these changes").
  ExecuteOptions execute_options(std::string_view question) const;
};

// How the run options' help speaks of one command.
struct RunHelp {
  std::string_view verb;     // "apply"
  std::string_view done;     // "changed": at most N objects changed at once
  std::string_view needing;  // what --target brings along: "what it needs"
};

// -f, --target, --auto-approve, --parallelism, --lock-wait and --json, into
// `options` (which must outlive the parse).
void add_run_options(CLI::App& command, RunOptions& options, const RunHelp& help);

// The summary's lines for the hosts set aside, one a host, saying what kept
// each from being read (unread_host.h) and which of the stack's objects
// there were left alone (planner::unread_objects):
//   "  lab2: is locked, nothing was planned or done there (pool.p@lab2): lab2: stack ..."
std::string unread_hosts_text(const std::map<std::string, providers::Error>& unread,
                              const std::map<std::string, std::vector<std::string>>& objects);

class ApplyRun {
public:
  // `holder`: the command, as another command its locks refuse names it
  // ("virtplan apply").
  ApplyRun(const planner::Stack& stack, std::chrono::seconds lock_wait, std::string holder);

  // Fails, naming both entries, when two reach one hypervisor: nothing is
  // planned or changed then (print it with print_refusal).
  // `extra`: readers of facts beside the kinds' (placement's node sizes),
  // whose objects come back among the kinds' for the caller to take out.
  providers::Result<planner::ObservedState> lock_and_observe(
      const std::vector<const providers::KindReader*>& extra = {});

  // Carries the plan out on the locked hosts, without printing or asking:
  // for callers that render the outcome themselves (the Ansible module).
  planner::ApplyReport apply(const planner::Plan& plan, planner::ApplyObserver& observer, int parallelism,
                             providers::StopMode stop = providers::StopMode::graceful);

  // The process's exit status: 0 when everything planned was done and every
  // host was read, else 1.
  int execute(const planner::Plan& plan, const planner::ObservedState& observed,
              const ExecuteOptions& options);

private:
  void remember_vanished_entries(const planner::ObservedState& observed);
  void forget_vanished_entries();

  const planner::Stack& m_stack;
  providers::HostConnections m_hosts;  // before m_access, which takes its transports
  providers::RemoteHostAccess m_access;
  std::vector<providers::ObjectId> m_vanished;  // found by lock_and_observe()
};

}  // namespace virtplan::cli
