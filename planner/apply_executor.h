#pragma once

// apply_plan() carries out a plan: it builds the ApplyGraph and runs every
// step whose dependencies are done, several at a time (as many on each host
// as it takes, HostAccess::capacity; ApplyOptions may cap them overall), each through its kind's actuator on
// the host's session. It never prints: progress goes to the observer, the outcome is the returned report.
//
//   - Hosts take turns (round-robin), so that one host's steps never hold
//     every slot while another host waits. On a host, of the steps that may
//     start, the one with the longest chain of steps waiting on it goes first
//     (ApplyGraph::heights), then by address: the volumes before the domains
//     of volumes already made. Long chains start
//     early, and libvirtd creates the volumes back to back and defines the
//     domains after: a define beside a vol-create (whose qemu-img fork stalls
//     libvirtd's other threads) took 4x as long on a 2-core lab host.
//   - A failed step makes every step that depends on it, directly or not,
//     skipped ("needs volume.x@lab1, which failed"); everything else goes on.
//   - The restarts, replaces and migrates of a replica group's members roll
//     (planner/rolling.h, ApplyRollGate): at most the group's
//     max_unavailable at once, in member order; a failed member stops the
//     roll, leaves the members not started ("left untouched: ..."), and the
//     report's errors say "rolling web stopped: done ...; failed ...; left ...".
//   - A host that cannot be reached (or whose stack lock is held) fails each
//     of its steps with the host's error, those waiting on a failed step
//     there included; other hosts go on.
//   - Before the first step on a host runs, the intents of all its creates and
//     replaces are recorded in one ledger write; a create never runs unless
//     its intent is saved.
//   - create -> mark_created(ledger_data); destroy -> forget; replace = the
//     actuator's destroy then create, then mark_created; update ->
//     mark_created only when the actuator returns ledger data (an update that
//     returns none keeps what the ledger had, rather than wiping a volume's
//     source hash). A step whose change was made but whose record could not
//     be saved is done, with a warning saying so.
//   - A step's ActuatorStep: desired = {id, after, plan.stack()}, before,
//     fields, and progress forwarded to the observer.

#include "planner/apply_observer.h"
#include "planner/apply_report.h"
#include "planner/apply_step.h"
#include "planner/diff.h"
#include "planner/plan.h"
#include "providers/host/host_access.h"
#include "providers/kind/actuator.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// ApplyOptions bounds how much an apply does at once. Each host takes as
// many steps at once as it can (HostAccess::capacity: from its CPUs, the
// bound its shared virsh processes have too), whatever the other hosts do,
// so hosts never wait on each other; `parallelism` (`--parallelism N`), when
// set, caps the steps running at once over all hosts, which are then taken
// round-robin across the hosts. Domains that a destroy shuts down gracefully
// wait side by side, each in its own step.
struct ApplyOptions {
  int parallelism = 0;  // 0: no cap over all hosts, only each host's own
  // How destroys stop running domains (every step gets it): graceful, or
  // immediate for `virtplan destroy --force`.
  providers::StopMode stop = providers::StopMode::graceful;
};

ApplyReport apply_plan(const Plan& plan, const KindLookup& kinds, const ActuatorLookup& actuators,
                       providers::HostAccess& hosts, ApplyObserver& observer,
                       const ApplyOptions& options = {});

class ApplyGraph;  // planner/apply_graph.h

// The intents each host records before its first step: every create and
// replace planned there, and what a migrate makes on its destination (but a
// volume in a shared pool, which the destination owns only once its domain
// is there: planner/apply_migration.h).
std::map<std::string, std::vector<providers::ObjectId>> intents_by_host(const ApplyGraph& graph);

}  // namespace virtplan::planner
