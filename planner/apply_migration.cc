#include "planner/apply_migration.h"

#include "providers/host/ledger.h"

#include <fmt/format.h>

#include <chrono>

namespace virtplan::planner {

using providers::ActuatorOutcome;
using providers::HostSession;
using providers::MigrationPart;
using providers::MigrationStep;
using providers::ObjectId;
using providers::Result;

namespace {

using Progress = std::function<void(std::string_view)>;

ObjectId on(ObjectId id, const std::string& host) {
  id.host = host;
  return id;
}

// Waits until every record made so far is on its host.
Result<void> saved(providers::HostAccess& hosts) {
  for (providers::Error& error : hosts.flush()) return std::unexpected(std::move(error));
  return {};
}

// The migration's state between its parts, for the ledgers.
class Migration {
public:
  Migration(const Change& change, const std::vector<const Change*>& carried, const std::string& stack,
            const ActuatorLookup& actuators, providers::HostAccess& hosts, const Progress& progress)
      : m_change(change), m_carried(carried), m_actuators(actuators), m_hosts(hosts) {
    m_step.object = providers::ActuatorStep{
        providers::StackObject{on(change.id, change.destination), change.after, stack, {}, {}},
        change.observed_spec(),
        {},
        progress};
    m_step.source = change.id;
    m_step.destination_ours = change.destination_ours;
    m_step.live = change.live;
    for (const Change* c : carried)
      m_step.carried.push_back({c->id, c->observed_spec(), c->destination_ours, !c->shared_pools.empty()});
  }

  Result<std::vector<std::string>> run(const providers::KindActuator& actuator, ApplyHostGate& gate) {
    const std::string& to_host = m_change.destination;
    auto from = gate.session(m_change.id.host);
    if (!from) return std::unexpected(from.error());
    auto to = gate.session(to_host);
    if (!to) return std::unexpected(to.error().with_context("not migrated"));
    if (auto intents = gate.intents_saved(to_host); !intents) {
      return std::unexpected(intents.error().with_context(
          fmt::format("not migrated: its ownership could not be recorded on {} first", to_host)));
    }
    auto there = actuator.exists(m_step.object.desired.id, **to);
    if (!there) return std::unexpected(there.error().with_context("not migrated"));
    if (*there && !m_change.destination_ours) {
      return std::unexpected(providers::Error(
          providers::ErrorCode::already_exists,
          fmt::format("{}: not migrated: a {} named {} appeared on {} after the plan; it is not this stack's "
                      "and was left alone, nothing was changed",
                      m_change.id.address(), m_change.id.kind, m_change.id.name, to_host)));
    }
    std::vector<std::string> warnings;
    // A run finishing a migration a killed apply began: once that one ends,
    // the object is there, or it was cut short (now, or since the plan saw
    // it arriving) and this run makes it again.
    if (*there) there = settled(actuator, **from, **to);
    if (!there) return std::unexpected(there.error());
    if (m_change.destination_ours && !*there) {
      warnings.push_back(fmt::format(
          "the migration to {} a killed apply left under way was cut short: migrated again", to_host));
    }
    // What the plan takes for shared storage is proven so before anything
    // changes (a finishing run proved it already: the object is there).
    if (!*there) {
      auto verified = actuator.migrate(m_step, MigrationPart::verify, **from, **to);
      if (!verified) return std::unexpected(verified.error());
      if (auto ready = prepare_carried(**to); !ready) return std::unexpected(ready.error());
    }
    if (auto marked = mark_source(); !marked) return std::unexpected(marked.error());
    if (!*there) {
      for (MigrationPart part : {MigrationPart::copy, MigrationPart::define}) {
        auto done = actuator.migrate(m_step, part, **from, **to);
        if (!done) return std::unexpected(done.error());
        warnings.insert(warnings.end(), done->warnings.begin(), done->warnings.end());
      }
    }
    if (auto recorded = record_destination(); !recorded) return std::unexpected(recorded.error());
    if (auto let_go = forget_shared_on_source(); !let_go) return std::unexpected(let_go.error());
    auto removed = actuator.migrate(m_step, MigrationPart::remove_source, **from, **to);
    if (!removed) return std::unexpected(removed.error());
    warnings.insert(warnings.end(), removed->warnings.begin(), removed->warnings.end());
    if (auto forgotten = forget_source(); !forgotten) {
      warnings.push_back(fmt::format("migrated, but {}'s ledger was not updated: {}", m_change.id.host,
                                     forgotten.error().message()));
    }
    return warnings;
  }

private:
  // Whether the object is on the destination once the migration under way
  // there has ended.
  Result<bool> settled(const providers::KindActuator& actuator, HostSession& from, HostSession& to) {
    auto ended = actuator.migrate(m_step, MigrationPart::settle, from, to);
    if (!ended) return std::unexpected(ended.error());
    auto there = actuator.exists(m_step.object.desired.id, to);
    if (!there) return std::unexpected(there.error().with_context("not migrated"));
    return *there;
  }

  // What moves with the object gets what it needs on the destination and
  // does not bring (an overlay's image by URL, fetched there), before the
  // source is marked: a failure moves nothing.
  Result<void> prepare_carried(HostSession& to) {
    for (const Change* c : m_carried) {
      const providers::KindActuator* actuator = m_actuators(c->id.kind);
      if (actuator == nullptr) continue;
      const providers::ActuatorStep step{
          providers::StackObject{
              on(c->id, m_change.destination), c->after, m_step.object.desired.stack, {}, {}},
          c->observed_spec(),
          {},
          m_step.object.progress};
      if (auto ready = actuator->prepare_carried(step, to); !ready) {
        return std::unexpected(ready.error().with_context(fmt::format(
            "{}: not migrated, nothing was moved from {}", m_change.id.address(), m_change.id.host)));
      }
    }
    return {};
  }

  // The source's entry says where the object goes, before anything changes.
  Result<void> mark_source() {
    // With the pools it takes for shared storage: a run finishing it after
    // a crash carries its volumes the same way (planner/migration_plan.h).
    const nlohmann::json data{{std::string(providers::k_ledger_migrating_to), m_change.destination},
                              {std::string(providers::k_ledger_migrating_shared), m_change.shared_pools}};
    auto marked = m_hosts.mark_created(m_change.id, data);
    if (marked) marked = saved(m_hosts);
    if (!marked) {
      return std::unexpected(marked.error().with_context(
          fmt::format("{}: not migrated: the migration could not be recorded on {} first",
                      m_change.id.address(), m_change.id.host)));
    }
    return {};
  }

  // Everything is on the destination: its ledger owns it all, saved before
  // the source lets go of anything.
  Result<void> record_destination() {
    Result<void> recorded = m_hosts.mark_created(m_step.object.desired.id, nlohmann::json::object());
    for (const Change* c : m_carried) {
      if (!recorded) break;
      const providers::KindActuator* actuator = m_actuators(c->id.kind);
      recorded = m_hosts.mark_created(
          on(c->id, m_change.destination),
          actuator != nullptr ? actuator->ledger_data(c->observed_spec()) : nlohmann::json::object());
    }
    if (recorded) recorded = saved(m_hosts);
    if (!recorded) {
      return std::unexpected(recorded.error().with_context(
          fmt::format("{}: copied to {} but not recorded there; nothing was removed from {}",
                      m_change.id.address(), m_change.destination, m_change.id.host)));
    }
    return {};
  }

  // A volume in a shared pool is the destination's file too: the source's
  // ledger lets go of it, saved, before anything is removed from the source,
  // so that no later plan there (the source's pool still lists the file)
  // destroys it. A crash before this leaves the domain on the source marked
  // `migrating_to`: the rerun's finishing migrate carries the volume again.
  Result<void> forget_shared_on_source() {
    Result<void> forgotten;
    for (const Change* c : m_carried) {
      if (!c->shared_pools.empty() && forgotten) forgotten = m_hosts.forget(c->id);
    }
    if (forgotten) forgotten = saved(m_hosts);
    if (!forgotten) {
      return std::unexpected(forgotten.error().with_context(
          fmt::format("{}: moved to {}, but {}'s ledger could not let go of its shared volumes; nothing "
                      "was removed from {}",
                      m_change.id.address(), m_change.destination, m_change.id.host, m_change.id.host)));
    }
    return {};
  }

  Result<void> forget_source() {
    for (const Change* c : m_carried) {
      if (auto forgotten = m_hosts.forget(c->id); !forgotten) return forgotten;
    }
    return m_hosts.forget(m_change.id);
  }

  const Change& m_change;
  const std::vector<const Change*>& m_carried;
  const ActuatorLookup& m_actuators;
  providers::HostAccess& m_hosts;
  MigrationStep m_step;
};

}  // namespace

StepResult run_migration_step(const Change& change, const std::vector<const Change*>& carried,
                              const std::string& stack, const ActuatorLookup& actuators,
                              providers::HostAccess& hosts, ApplyHostGate& gate, const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  StepResult result{change.id, change.action, StepStatus::done, {}, {}, {}};
  const providers::KindActuator* actuator = actuators(change.id.kind);
  if (actuator == nullptr) {
    result.status = StepStatus::failed;
    result.reason =
        fmt::format("{}: no actuator for kind '{}'; nothing was done", change.id.address(), change.id.kind);
  } else if (auto done = Migration(change, carried, stack, actuators, hosts, progress).run(*actuator, gate);
             !done) {
    result.status = StepStatus::failed;
    result.reason = done.error().message();
  } else {
    result.warnings = std::move(*done);
  }
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return result;
}

}  // namespace virtplan::planner
