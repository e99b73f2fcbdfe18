#include "planner/apply_step.h"

#include <fmt/format.h>

#include <chrono>

namespace virtplan::planner {

using providers::ActuatorOutcome;
using providers::ActuatorStep;
using providers::HostSession;
using providers::KindActuator;
using providers::Result;
using providers::StackObject;

namespace {

using Progress = std::function<void(std::string_view)>;

ActuatorStep destroy_step(const Change& change, const std::string& stack, const Progress& progress,
                          providers::StopMode stop) {
  return ActuatorStep{
      StackObject{change.id, nullptr, stack, {}, {}}, change.observed_spec(), {}, progress, stop};
}

ActuatorStep build_step(const Change& change, const std::string& stack, const Progress& progress) {
  return ActuatorStep{StackObject{change.id, change.after, stack, {}, {}}, change.observed_spec(),
                      change.fields, progress};
}

// A replace is a destroy, then a create of the object from nothing.
Result<ActuatorOutcome> replace(const KindActuator& actuator, const Change& change, const std::string& stack,
                                HostSession& session, providers::StopMode stop, const Progress& progress) {
  auto destroyed = actuator.destroy(destroy_step(change, stack, progress, stop), session);
  if (!destroyed)
    return std::unexpected(
        destroyed.error().with_context(change.id.address() + ": replace: not destroyed, nothing created"));
  ActuatorStep create = build_step(change, stack, progress);
  create.before = nullptr;
  create.fields.clear();
  auto created = actuator.create(create, session);
  if (!created)
    return std::unexpected(
        created.error().with_context(change.id.address() + ": replace: destroyed, not created again"));
  created->warnings.insert(created->warnings.begin(), destroyed->warnings.begin(), destroyed->warnings.end());
  return created;
}

Result<ActuatorOutcome> act(const KindActuator& actuator, const Change& change, const std::string& stack,
                            HostSession& session, providers::StopMode stop, const Progress& progress) {
  switch (change.action) {
    case Action::create:
      return actuator.create(build_step(change, stack, progress), session);
    case Action::update:
      return actuator.update(build_step(change, stack, progress), session);
    case Action::destroy:
      return actuator.destroy(destroy_step(change, stack, progress, stop), session);
    case Action::replace:
      return replace(actuator, change, stack, session, stop, progress);
    case Action::migrate:  // planner/apply_migration.h carries it out
    case Action::no_op:
      break;
  }
  return ActuatorOutcome{};
}

// The ledger follows what was done. The change itself stands even when the
// record fails, so that is a warning, not a failure: the object exists (or is
// gone) whatever the ledger says.
std::optional<std::string> record(const Change& change, const ActuatorOutcome& outcome,
                                  providers::HostAccess& hosts) {
  Result<void> saved;
  if (change.action == Action::destroy) {
    saved = hosts.forget(change.id);
  } else if (change.action != Action::update || !outcome.ledger_data.empty()) {
    saved = hosts.mark_created(change.id, outcome.ledger_data);
  }
  if (saved) return std::nullopt;
  return fmt::format("{} done, but the stack's ledger was not updated: {}", to_string(change.action),
                     saved.error().message());
}

bool creates(Action action) { return action == Action::create || action == Action::replace; }

// Everything that must hold before the actuator may run; the error otherwise.
Result<HostSession*> ready_host(const Change& change, ApplyHostGate& gate) {
  auto session = gate.session(change.id.host);
  if (!session) return session;
  if (creates(change.action)) {
    if (auto saved = gate.intents_saved(change.id.host); !saved) {
      return std::unexpected(saved.error().with_context(
          change.id.address() + ": not created, its ownership could not be recorded first"));
    }
  }
  return session;
}

Result<ActuatorOutcome> perform(const Change& change, const std::string& stack,
                                const ActuatorLookup& actuators, ApplyHostGate& gate,
                                providers::StopMode stop, const Progress& progress) {
  const KindActuator* actuator = actuators(change.id.kind);
  if (actuator == nullptr) {
    return providers::fail(
        providers::ErrorCode::invalid,
        fmt::format("{}: no actuator for kind '{}'; nothing was done", change.id.address(), change.id.kind));
  }
  auto session = ready_host(change, gate);
  if (!session) return std::unexpected(session.error());
  return act(*actuator, change, stack, **session, stop, progress);
}

// After a create (or the create half of a replace) failed: an intent that led
// to no object is cleared from the ledger, so that a foreign object made
// later under that name is not taken for the stack's. When the host cannot
// say (it is unreachable: the create may have run), the intent stays, and
// the next apply adopts what it made.
std::optional<std::string> clear_failed_intent(const Change& change, const ActuatorLookup& actuators,
                                               providers::HostAccess& hosts, ApplyHostGate& gate) {
  if (!creates(change.action)) return std::nullopt;
  const KindActuator* actuator = actuators(change.id.kind);
  auto session = gate.session(change.id.host);
  if (actuator == nullptr || !session) return std::nullopt;
  auto exists = actuator->exists(change.id, **session);
  if (!exists || *exists) return std::nullopt;
  if (auto forgotten = hosts.forget(change.id); !forgotten) {
    return "its intent could not be cleared from the stack's ledger: " + forgotten.error().message();
  }
  return std::nullopt;
}

}  // namespace

StepResult run_apply_step(const Change& change, const std::string& stack, const ActuatorLookup& actuators,
                          providers::HostAccess& hosts, ApplyHostGate& gate, providers::StopMode stop,
                          const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  StepResult result{change.id, change.action, StepStatus::done, {}, {}, {}};
  auto outcome = perform(change, stack, actuators, gate, stop, progress);
  if (!outcome) {
    result.status = StepStatus::failed;
    result.reason = outcome.error().message();
    if (auto warning = clear_failed_intent(change, actuators, hosts, gate))
      result.warnings.push_back(*warning);
  } else {
    result.warnings = outcome->warnings;
    if (auto warning = record(change, *outcome, hosts)) result.warnings.push_back(*warning);
  }
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return result;
}

std::string_view to_string(StepStatus status) {
  switch (status) {
    case StepStatus::done:
      return "done";
    case StepStatus::failed:
      return "failed";
    case StepStatus::skipped:
      return "skipped";
  }
  return "unknown";
}

}  // namespace virtplan::planner
