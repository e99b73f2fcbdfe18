#pragma once

// ActuatorHarness drives the kinds' actuators against lab hosts the way apply
// does, without the executor: a stack loaded by the real loader, planned by
// the real observer and diff, and each planned change carried out by its
// kind's actuator (cli/kinds.h) over real SSH, creates and updates
// in dependency order (pools, volumes, networks, domains), destroys in
// reverse. The actuator tests then check the next plan has nothing to do.

#include "cli/kinds.h"
#include "cli/stack_observation.h"
#include "planner/diff.h"
#include "planner/observer.h"
#include "planner/plan.h"
#include "providers/host/host_session.h"
#include "providers/host/transport_factory.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace virtplan::lab {

class ActuatorHarness {
public:
  explicit ActuatorHarness(const std::string& yaml) : m_stack(load_stack_text(yaml)) {}

  const planner::Stack& stack() const { return m_stack; }

  // Uses `actuator` for its kind instead of the registry's (a domain
  // actuator with a short shutdown timeout, for guests without an OS).
  void use(const providers::KindActuator& actuator) { m_overrides[std::string(actuator.kind())] = &actuator; }

  planner::DiffResult plan() const {
    auto observed = cli::observe_stack(m_stack, {});
    REQUIRE(observed.has_value());
    return planner::diff(m_stack.name, m_stack.objects, observed->state,
                         [](std::string_view k) { return cli::kinds().by_kind(k); });
  }

  // The changes of a fresh plan that are not no-ops, as "ADDRESS ACTION" and
  // one "  PATH: BEFORE -> AFTER" line per field: empty when converged.
  std::vector<std::string> pending() const {
    auto result = plan();
    std::vector<std::string> out = result.errors;
    for (const auto& change : result.plan.changes()) {
      if (change.action == planner::Action::no_op) continue;
      out.push_back(fmt::format("{} {}", change.id.address(), planner::to_string(change.action)));
      for (const auto& f : change.fields) {
        out.push_back(fmt::format("  {}: {} -> {}", f.path, f.before.dump(), f.after.dump()));
      }
    }
    return out;
  }

  // Carries out every change of `plan` through the actuators; fails the test
  // on the first error. Returns each step's warnings by address.
  std::map<std::string, std::vector<std::string>> apply(const planner::Plan& plan) {
    static const std::vector<std::string> k_order{"pool", "volume", "network", "domain"};
    std::vector<const planner::Change*> steps;
    for (const auto& change : plan.changes()) {
      if (change.action != planner::Action::no_op) steps.push_back(&change);
    }
    auto rank = [](const planner::Change* c) {
      auto at = std::find(k_order.begin(), k_order.end(), c->id.kind) - k_order.begin();
      return c->action == planner::Action::destroy ? 100 - at : at;
    };
    std::stable_sort(steps.begin(), steps.end(), [&](auto* a, auto* b) { return rank(a) < rank(b); });
    std::map<std::string, std::vector<std::string>> warnings;
    for (const planner::Change* change : steps) {
      auto overridden = m_overrides.find(change->id.kind);
      const providers::KindActuator* actuator =
          overridden != m_overrides.end() ? overridden->second : cli::kind_actuator(change->id.kind);
      REQUIRE(actuator != nullptr);
      providers::ActuatorStep step;
      step.desired = providers::StackObject{change->id, change->after, m_stack.name, {}, {}};
      step.before = change->observed_spec();
      step.fields = change->fields;
      providers::HostSession& host = session(change->id.host);
      providers::Result<providers::ActuatorOutcome> done = fail_unset();
      switch (change->action) {
        case planner::Action::create:
          done = actuator->create(step, host);
          break;
        case planner::Action::update:
          done = actuator->update(step, host);
          break;
        case planner::Action::destroy:
          done = actuator->destroy(step, host);
          break;
        default:
          FAIL("unexpected action for " << change->id.address());
      }
      if (!done) FAIL(done.error().message());
      warnings[change->id.address()] = done->warnings;
    }
    return warnings;
  }

  // plan() then apply(); returns the warnings.
  std::map<std::string, std::vector<std::string>> converge() {
    auto result = plan();
    for (const auto& e : result.errors) FAIL(e);
    return apply(result.plan);
  }

  providers::HostSession& session(const std::string& host) {
    auto it = m_sessions.find(host);
    if (it != m_sessions.end()) return *it->second.session;
    auto transport = providers::make_transport(m_stack.hosts.at(host));
    if (!transport) FAIL(transport.error().message());
    Connection connection;
    connection.transport = std::move(*transport);
    connection.session =
        std::make_unique<providers::HostSession>(m_stack.hosts.at(host), *connection.transport);
    return *m_sessions.emplace(host, std::move(connection)).first->second.session;
  }

private:
  struct Connection {
    std::unique_ptr<providers::Transport> transport;
    std::unique_ptr<providers::HostSession> session;
  };

  static providers::Result<providers::ActuatorOutcome> fail_unset() {
    return std::unexpected(providers::Error("not run"));
  }

  planner::Stack m_stack;
  std::map<std::string, const providers::KindActuator*> m_overrides;
  std::map<std::string, Connection> m_sessions;
};

// The `hosts:` entry of lab host i, for stack YAML.
inline std::string lab_host_yaml(const LabEnv& env, std::size_t i) {
  const auto& h = env.hosts.at(i);
  return fmt::format("  {}:\n    address: ssh://root@{}:22\n    identity: {}\n    known_hosts: {}\n", h.name,
                     h.address, env.client_key, env.known_hosts);
}

}  // namespace virtplan::lab
