#pragma once

// ApplyRun is one `apply` or `destroy` from the moment the hosts are locked to
// the final report. lock_and_observe() connects to every host of the stack at
// once and takes the stack's lock there, then reads the hosts through those
// same sessions, so nothing another apply does can slip in between the read
// and the changes. execute() shows the plan, asks, carries it out and reports.
// A host that cannot be reached or read, or whose lock another command holds,
// is set aside with the reason: nothing is planned or done there, the others
// go on, and the exit status says so. Ledger entries whose objects are gone
// (cli/vanished_entries.h) are forgotten once the run changes the hosts, or
// finds nothing to do: not when it stops before (refused, not approved).

#include "cli/confirmation.h"
#include "planner/apply_observer.h"
#include "planner/apply_report.h"
#include "planner/observed_state.h"
#include "planner/plan.h"
#include "planner/stack.h"
#include "providers/remote_host_access.h"

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::cli {

struct ExecuteOptions {
  std::string_view question;  // "Apply these changes"
  AutoApprove auto_approve = AutoApprove::no;
  bool json = false;
  int parallelism = 8;
};

// The summary's lines for the hosts set aside, one a host, saying what kept
// each from being read (unread_host.h):
//   "  lab2: is locked, nothing was planned or done there: lab2: stack ..."
std::string unread_hosts_text(const std::map<std::string, providers::Error>& unread);

class ApplyRun {
public:
  ApplyRun(const planner::Stack& stack, std::chrono::seconds lock_wait);

  planner::ObservedState lock_and_observe();

  // Carries the plan out on the locked hosts, without printing or asking:
  // for callers that render the outcome themselves (the Ansible module).
  planner::ApplyReport apply(const planner::Plan& plan, planner::ApplyObserver& observer, int parallelism);

  // The process's exit status: 0 when everything planned was done and every
  // host was read, else 1.
  int execute(const planner::Plan& plan, const planner::ObservedState& observed,
              const ExecuteOptions& options);

private:
  void forget_vanished_entries();

  const planner::Stack& m_stack;
  providers::RemoteHostAccess m_access;
  std::vector<providers::ObjectId> m_vanished;  // found by lock_and_observe()
};

}  // namespace virtplan::cli
