#pragma once

// run_migration_step() carries out one planned `migrate` (planner/migration_plan.h)
// and what moves with it, crash-safely: the ledgers of both hosts say what is
// happening before anything changes, and a run after a crash at any point
// converges on one owner with nothing lost.
//
//   1. Intents: the destination's ledger records the object and what moves
//      with it as intents (ApplyHostGate, with the host's other creates); the
//      source's entry for the object records `migrating_to` the destination
//      (providers::k_ledger_migrating_to) and the pools taken for shared
//      storage (k_ledger_migrating_shared, which a finishing run obeys); both
//      are saved before step 2.
//   1'. When the destination holds the object already (ours: the plan
//      finishes a migration a killed apply began), MigrationPart::settle
//      waits for that migration to end if it is under way; then whether the
//      object is there is asked again: one cut short (libvirt aborted it, the
//      domain still runs on the source) is made again, live, from step 2.
//   2. Unless the object is on the destination already: MigrationPart::verify
//      proves the pools the plan takes for shared storage are (a failure
//      here changes nothing: the source's ledger is not marked yet). Then
//      each object that moves with it gets ready on the destination what it
//      needs there and does not bring (KindActuator::prepare_carried: an
//      overlay's image by URL fetched into that host's image cache); a
//      failure here too leaves the source unmarked, nothing moved.
//      A volume in a shared pool gets no intent in step 1: the destination
//      owns it from step 3; the source's ledger lets go of it right after,
//      saved, before anything is removed from the source (step 4 never
//      deletes it: it is the destination's file).
//   2'. Then, unless the object is on the destination already (a crash after step 3
//      left it there): MigrationPart::copy (what moves with it is made on the
//      destination, again if a crash left a part, and its bytes copied), then
//      MigrationPart::define (the object is made there, last: so long as it
//      is not, the source is the truth and a rerun copies again).
//   3. The destination's ledger records them as made, and is saved.
//   4. MigrationPart::remove_source deletes what moved from the source, then
//      the object (a crash between the two leaves the object there, still
//      marked `migrating_to`: the rerun plans the finishing migrate), and
//      the source's ledger forgets them.
//
// A failure before step 4 leaves the object where it was, as it was; what
// the copy made on the destination is owned there (its intents) and is made
// again by the next run.

#include "planner/apply_host_gate.h"
#include "planner/apply_step.h"
#include "planner/plan.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// `carried` are the plan's changes that move with `change` (their moves_with
// names it).
StepResult run_migration_step(const Change& change, const std::vector<const Change*>& carried,
                              const std::string& stack, const ActuatorLookup& actuators,
                              providers::HostAccess& hosts, ApplyHostGate& gate,
                              const std::function<void(std::string_view)>& progress);

}  // namespace virtplan::planner
