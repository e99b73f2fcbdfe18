#pragma once

// plan_migrations() turns the create on one host and the destroy on another
// that diff() first plans for an object that moved (its `host:` changed, or
// placement put it elsewhere) into one `migrate`: the object leaves the host
// that holds it for the one that declares it, with its data. Pure: no I/O.
//
// The rules, in the order they are decided (`D` a domain, or an object of
// any kind whose ResourceKind::migrates(); `A` the host the stack owns it on
// and no longer declares it on, `B` the host that declares it now):
//
//   | on B                 | on A                                | plan                          |
//   | ---------------------| ------------------------------------| ------------------------------|
//   | not there            | owned, stopped                      | migrate D@A to B, offline     |
//   | not there            | owned, running                      | migrate D@A to B, live        |
//   | owned                | owned, ledger says migrating to B   | migrate D@A to B (finishing)  |
//   |                      | (running: its live migration is     | (and D@B's own change left to |
//   |                      | under way)                          | the next plan)                |
//   | owned                | owned, no migration recorded        | unchanged: destroy D@A        |
//
// A finishing migrate of a running D is live (Change::live) as the one it
// finishes was: should libvirt cut that one short before it ends, apply
// makes it again, live (planner/apply_migration.h).
//
// The volumes that move with D (each a `migrate` whose `moves_with` names
// D@A, carried out by D's step) are what D uses on A that the stack owns
// there and no longer declares there, that nothing but D holds on A, and
// that D declared on B uses under the same pool and name. Their create (or,
// after a crash half-way through a copy, their unchanged or updated copy)
// on B leaves the plan: the migrate makes them again and copies A's bytes,
// which are the truth until D is defined on B (D is defined on B only once
// every copy is complete; the finishing case copies nothing). A volume that
// another object on A also uses is left to its own create and destroy.
//
// A volume whose pool is one storage seen from A and from B (the pool
// kind's ResourceKind::shares_storage of its declarations on both: an NFS
// export, `shared: true`) moves without a copy: its change says
// "shared pool P: nothing copied" and names P in Change::shared_pools (so
// does the domain's), its bytes count for nothing, and B's sight of the
// file, owned by no stack there, is not in the way. Apply proves the
// sharing before relying on it and never deletes A's file. A finishing
// migrate takes its shared pools from D's ledger entry on A
// (ObservedObject::migrating_shared, written when the migration began), not
// from the stack: a stack edited after a crash (`shared: true` dropped) must
// not turn the file both hosts hold into a copy whose source is deleted.
//
// A migrate names the object on A (`domain.web@h1`) and says where it goes
// (Change::destination); its reasons say how ("offline, 10 GiB of disk
// copied", or "live, ..." with Change::live: D keeps running throughout,
// kvm/domain_migration.h). What else differs between D on A and the declaration (memory,
// say) is planned by the next plan, once D is on B.

#include "planner/diff.h"
#include "planner/observed_state.h"
#include "planner/plan.h"

#include <set>
#include <string>
#include <vector>

namespace virtplan::planner {

// Rewrites `changes` (diff()'s, before data safety) as the rules above say
// (no rule refuses a migration). Returns the objects on destinations that
// are what moves, seen through a shared pool: one no stack owns there is
// not in the way (diff() does not refuse it).
std::set<providers::ObjectId> plan_migrations(std::vector<Change>& changes,
                                              const std::vector<providers::StackObject>& desired,
                                              const ObservedState& observed, const KindLookup& kinds);

}  // namespace virtplan::planner
