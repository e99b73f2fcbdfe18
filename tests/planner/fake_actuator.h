#pragma once

// FakeActuator is a KindActuator for apply tests: each call is written to an
// ApplyJournal as "start create volume.a@lab1" ... "create volume.a@lab1",
// takes `delay` (so that overlapping calls show in the journal's concurrency
// counters), and fails for the addresses it is told to fail. A destroy told
// to stop at once (StopMode::immediate) also notes "immediate destroy ...".

#include "providers/host/host_session.h"
#include "providers/kind/actuator.h"
#include "tests/planner/apply_journal.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace virtplan::planner::testing {

class FakeActuator : public providers::KindActuator {
public:
  FakeActuator(std::string kind, ApplyJournal& journal) : m_kind(std::move(kind)), m_journal(journal) {}

  // Calls of `op` ("create", "update", "destroy") on `address` fail.
  FakeActuator& fail(const std::string& op, const std::string& address) {
    m_failing.insert(op + " " + address);
    return *this;
  }
  FakeActuator& delay(std::chrono::milliseconds each) {
    m_delay = each;
    return *this;
  }
  // Ledger data returned by every create.
  FakeActuator& ledger_data(nlohmann::json data) {
    m_data = std::move(data);
    return *this;
  }

  // What exists() answers after a failure: nothing set, the base's "cannot
  // tell" (the intent stays).
  FakeActuator& exists_answer(bool answer) {
    m_exists = answer;
    return *this;
  }
  // Answers for the next exists() calls, in order, before exists_answer's.
  FakeActuator& exists_then(bool answer) {
    std::lock_guard lock(m_exists_mutex);
    m_exists_next.push_back(answer);
    return *this;
  }

  std::string_view kind() const override { return m_kind; }

  // The hosts prepare() was called for, in order (kept apart from the
  // journal, whose positions other tests count).
  void prepare(providers::HostSession& host) const override {
    std::lock_guard lock(m_prepared_mutex);
    m_prepared.push_back(host.config().name);
  }
  std::vector<std::string> prepared() const {
    std::lock_guard lock(m_prepared_mutex);
    return m_prepared;
  }

  providers::Result<bool> exists(const providers::ObjectId& id, providers::HostSession& host) const override {
    std::optional<bool> answer = m_exists;
    {
      std::lock_guard lock(m_exists_mutex);
      if (!m_exists_next.empty()) {
        answer = m_exists_next.front();
        m_exists_next.pop_front();
      }
    }
    if (!answer) return KindActuator::exists(id, host);
    m_journal.note(fmt::format("exists {} {}", id.address(), *answer));
    return *answer;
  }

  providers::Result<providers::ActuatorOutcome> create(const providers::ActuatorStep& step,
                                                       providers::HostSession&) const override {
    return call("create", step);
  }
  providers::Result<providers::ActuatorOutcome> update(const providers::ActuatorStep& step,
                                                       providers::HostSession&) const override {
    return call("update", step);
  }
  providers::Result<providers::ActuatorOutcome> destroy(const providers::ActuatorStep& step,
                                                        providers::HostSession&) const override {
    return call("destroy", step);
  }

  // A migration's parts, each noted as "migrate copy domain.web@lab1" (the
  // object on the source); `fail("migrate copy", ...)` fails one.
  providers::Result<providers::ActuatorOutcome> migrate(const providers::MigrationStep& step,
                                                        providers::MigrationPart part,
                                                        providers::HostSession&,
                                                        providers::HostSession&) const override {
    static constexpr std::array<const char*, 5> k_parts{"settle", "verify", "copy", "define",
                                                        "remove_source"};
    const std::string what =
        fmt::format("migrate {} {}", k_parts.at(static_cast<std::size_t>(part)), step.source.address());
    m_journal.note(what);
    if (m_failing.contains(what)) {
      return providers::fail(providers::ErrorCode::other, step.source.address() + ": fake failure");
    }
    return providers::ActuatorOutcome{};
  }
  // Noted as "prepare volume.root@lab2 on lab2" (the object as the
  // destination is to hold it); `fail("prepare", ...)` fails it.
  providers::Result<void> prepare_carried(const providers::ActuatorStep& step,
                                          providers::HostSession& to) const override {
    const std::string what = "prepare " + step.desired.id.address();
    m_journal.note(what + " on " + to.config().name);
    if (m_failing.contains(what)) {
      return providers::fail(providers::ErrorCode::not_found,
                             "volume " + step.desired.id.name + ": its image could not be fetched");
    }
    return {};
  }

private:
  providers::Result<providers::ActuatorOutcome> call(const std::string& op,
                                                     const providers::ActuatorStep& step) const {
    const std::string what = op + " " + step.desired.id.address();
    m_journal.begin(step.desired.id.host);
    m_journal.note("start " + what);
    if (op == "destroy" && step.stop == providers::StopMode::immediate) m_journal.note("immediate " + what);
    if (step.progress) step.progress("working on " + what);
    std::this_thread::sleep_for(m_delay);
    m_journal.note(what);
    m_journal.end(step.desired.id.host);
    if (m_failing.contains(what)) {
      return providers::fail(providers::ErrorCode::other,
                             fmt::format("{}: virsh {} failed: fake failure", step.desired.id.address(), op));
    }
    providers::ActuatorOutcome outcome;
    if (op == "create") outcome.ledger_data = m_data;
    if (op == "update") outcome.warnings.push_back("restart pending");
    return outcome;
  }

  std::string m_kind;
  ApplyJournal& m_journal;
  std::set<std::string> m_failing;
  std::chrono::milliseconds m_delay{0};
  nlohmann::json m_data = nlohmann::json::object();
  std::optional<bool> m_exists;
  mutable std::mutex m_exists_mutex;
  mutable std::deque<bool> m_exists_next;
  mutable std::mutex m_prepared_mutex;
  mutable std::vector<std::string> m_prepared;
};

}  // namespace virtplan::planner::testing
