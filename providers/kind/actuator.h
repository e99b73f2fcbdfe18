#pragma once

// KindActuator is how one resource kind is changed on a host: create, update
// and destroy, each through virsh over the host's transport. The apply
// executor (planner/apply_executor.h) calls it once per planned step, in
// dependency order, several steps at a time; an actuator keeps no state
// between calls, so one instance serves every host and thread.
//
// Every method must be safe to run again after a crash half-way through it:
// the ledger records the intent to create *before* create() runs, so the next
// apply finds a half-made object that it owns and plans an update for it, or
// finds nothing and calls create() again. create() that meets an object of the
// same name that is already there therefore fails with a clear message
// rather than overwrite it: the planner only calls it when none was observed.
//
// Errors name the object and the host and carry virsh's own words
// (virsh_error.h), and say what was done before the failure ("defined, not
// started: ...").

#include "providers/base/error.h"
#include "providers/kind/field_change.h"
#include "providers/kind/resource_kind.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class HostSession;  // providers/host/host_session.h

// StopMode is how a destroy stops what still runs (a domain): asked to shut
// down and forced off only after its timeout, saying so (graceful, the
// default), or forced off at once (immediate: `virtplan destroy --force`).
enum class StopMode { graceful, immediate };

// ActuatorStep is one object's planned change, as the actuator needs it.
struct ActuatorStep {
  // The object as the stack declares it (create, update; spec = the plan's
  // `after`). For a destroy: id and stack only, spec null.
  StackObject desired;
  // What the host held when planned (the plan's `before`); null for a create.
  Spec before;
  // The fields that differ, each with its impact (update only).
  std::vector<FieldChange> fields;
  // Progress on long work ("waiting for shutdown, 12 s", "uploaded 40%"):
  // shown on a terminal, never required. May be empty.
  std::function<void(std::string_view)> progress;
  // How a destroy (or a replace's destroy) stops a running object.
  StopMode stop = StopMode::graceful;
};

// MigrationStep is one object's move to another host (a planned `migrate`,
// planner/migration_plan.h) as its kind's actuator carries it out: the
// object as the destination is to hold it, as the source holds it, and the
// objects that move with it (a domain's volumes), each as the source holds it.
struct MigrationStep {
  // desired: the declaration, its id on the destination; before: the spec
  // observed on the source.
  ActuatorStep object;
  ObjectId source;
  // Whether the destination held the object, ours, when the plan was made
  // (Change::destination_ours): else one found there now is not ours.
  bool destination_ours = false;
  // The object runs on the source: it moves live (Change::live).
  bool live = false;
  struct Carried {
    ObjectId source;  // on the source host; the same pool and name on the destination
    Spec observed;
    bool destination_ours = false;  // a copy a crash cut short, seen by the plan
    // The pool it lives in is one storage on both hosts (Change::shared_pools):
    // not copied, never deleted from the source; proven by `verify` first.
    bool shared = false;
  };
  std::vector<Carried> carried;
};

// The parts of a migration, run by the planner in this order with the
// ledgers written between them (planner/apply_migration.h): `settle`, only
// when the destination holds the object already (a run finishing one a
// killed apply began), waits for a migration that apply left under way to
// end, either way (the planner then looks again whether the object is
// there: a migration cut short is made again); `verify`, before
// anything changes, proves what the plan takes for shared storage is that
// and the object is as the plan saw it (running for a live move, stopped
// for an offline one), and changes nothing on either host when not; `copy` makes
// what moves with the object on the destination, again if a crash left a
// part of it there, and copies its bytes; `define` makes the object itself
// there, in the state the declaration asks; `remove_source` deletes what
// moved with it from the source, then the object. Each part may run again
// after a crash half-way through it.
enum class MigrationPart { settle, verify, copy, define, remove_source };

// ActuatorOutcome is what a successful step leaves behind.
struct ActuatorOutcome {
  // What the ledger remembers for this object (a volume's source hash).
  nlohmann::json ledger_data = nlohmann::json::object();
  // Done, but a person should know: "restart pending (restart: never)",
  // "the guest did not release disk vdb within 30 s".
  std::vector<std::string> warnings;
};

// A failed step's error as a person reads it: the object, what was done (or
// not), then what failed, with the failure's code:
// "pool.images@lab1: defined, not started: lab1: virsh pool-start: ...".
inline Error step_error(const ActuatorStep& step, std::string_view done, const Error& error) {
  return Error(error.code(), step.desired.id.address() + ": " + std::string(done) + ": " + error.message());
}

// What virsh's answer to an info command (vol-info, dominfo...) says about
// whether the object exists: an answer is yes, "not found" is no, any other
// failure is no answer.
inline Result<bool> existence_from(const Result<std::string>& answer) {
  if (answer) return true;
  if (answer.error().code() == ErrorCode::not_found) return false;
  return fail(answer.error());
}

class KindActuator {
public:
  virtual ~KindActuator() = default;
  virtual std::string_view kind() const = 0;

  // Makes the object from nothing, in the state the spec asks (a domain
  // started when `state: running`, a pool built and started, autostart set).
  virtual Result<ActuatorOutcome> create(const ActuatorStep& step, HostSession& host) const = 0;

  // Changes an existing object to the spec, the cheapest safe way its fields'
  // impacts allow: live where it can, an atomic redefine (current inactive
  // XML through ResourceKind::update_xml, same UUID) for the rest, a restart
  // when a restart-class field changed on a running domain and it allows one.
  virtual Result<ActuatorOutcome> update(const ActuatorStep& step, HostSession& host) const = 0;

  // Removes the object (a domain: stopped as step.stop says, then undefined;
  // never its volumes).
  virtual Result<ActuatorOutcome> destroy(const ActuatorStep& step, HostSession& host) const = 0;
  // Whether the object is on the host now: asked after a create failed, so
  // that an intent that led to no object is cleared from the ledger (else a
  // foreign object made later under that name would pass for the stack's).
  // An error when the host cannot say; the intent is then kept.
  virtual Result<bool> exists(const ObjectId& id, HostSession& host) const {
    (void)id, (void)host;
    return fail(ErrorCode::other, std::string(kind()) + ": cannot tell whether an object exists");
  }

  // Carries out one part of a migration (MigrationStep) from `from` to `to`;
  // only for kinds whose objects migrate (ResourceKind::migrates()).
  virtual Result<ActuatorOutcome> migrate(const MigrationStep& step, MigrationPart part, HostSession& from,
                                          HostSession& to) const {
    (void)step, (void)part, (void)from, (void)to;
    return fail(ErrorCode::invalid, std::string(kind()) + ": objects of this kind do not migrate");
  }

  // Starts, in the background, what the host does once and this kind's
  // steps would otherwise wait for later: called once per host, when an
  // apply's first step there starts, for each kind that has steps there
  // other than destroys.
  virtual void prepare(HostSession& host) const { (void)host; }

  // Before a migration that carries an object of this kind (one of
  // MigrationStep::carried) changes anything, makes ready on the destination
  // `to` what the object needs there and does not bring along: an overlay's
  // image by URL is fetched into `to`'s image cache (storage/). `step` is the
  // object as the destination is to hold it (desired), as the source holds
  // it (before), with the migration's progress. Nothing by default. The
  // planner calls it (planner/apply_migration.h); the carrier's kind (kvm/)
  // then finds the base there.
  virtual Result<void> prepare_carried(const ActuatorStep& step, HostSession& to) const {
    (void)step, (void)to;
    return {};
  }

  // What the ledger remembers of an object observed as `observed` (what
  // create() would have returned as ActuatorOutcome::ledger_data), for a copy
  // of it that a migration makes on another host.
  virtual nlohmann::json ledger_data(const Spec& observed) const {
    (void)observed;
    return nlohmann::json::object();
  }
};

}  // namespace virtplan::providers
