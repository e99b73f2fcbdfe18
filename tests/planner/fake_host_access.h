#pragma once

// FakeHostAccess is a HostAccess for apply tests: every host in `hosts` has a
// session over a FakeTransport (no actuator of the tests uses it), hosts
// marked unreachable fail session() with "HOST: connection refused", and
// every call is written to the ApplyJournal ("session lab1", "intents lab1
// pool.p@lab1 volume.v@lab1", "created volume.v@lab1 {...}", "forget ...",
// "finished lab1").

#include "providers/host/host_access.h"
#include "providers/host/host_session.h"
#include "tests/planner/apply_journal.h"
#include "tests/providers/fake_transport.h"

#include <map>
#include <memory>
#include <set>
#include <string>

namespace virtplan::planner::testing {

class FakeHostAccess : public providers::HostAccess {
public:
  FakeHostAccess(ApplyJournal& journal, std::set<std::string> hosts) : m_journal(journal) {
    for (const std::string& name : hosts) {
      auto& host = m_hosts[name];
      host.config.name = name;
      host.transport = std::make_unique<providers::FakeTransport>(name);
      host.session = std::make_unique<providers::HostSession>(host.config, *host.transport);
    }
  }

  FakeHostAccess& unreachable(const std::string& host) {
    m_unreachable.insert(host);
    return *this;
  }
  // record_intents on `host` fails.
  FakeHostAccess& ledger_broken(const std::string& host) {
    m_broken.insert(host);
    return *this;
  }

  // `host` takes `steps` at once (HostAccess::capacity); else the default.
  FakeHostAccess& takes(const std::string& host, int steps) {
    m_capacity[host] = steps;
    return *this;
  }
  int capacity(const std::string& host) const override {
    auto it = m_capacity.find(host);
    return it == m_capacity.end() ? k_default_capacity : it->second;
  }

  providers::Result<providers::HostSession*> session(const std::string& host) override {
    m_journal.note("session " + host);
    if (m_unreachable.contains(host)) {
      return providers::fail(providers::ErrorCode::unreachable, host + ": connection refused");
    }
    return m_hosts.at(host).session.get();
  }

  // Records are journaled as they are made; flush has nothing left to save
  // unless told to fail on a host.
  FakeHostAccess& flush_fails(const std::string& host) {
    m_flush_fails.insert(host);
    return *this;
  }
  void finished_with(const std::string& host) override { m_journal.note("finished " + host); }
  std::vector<providers::Error> flush() override {
    std::vector<providers::Error> errors;
    for (const std::string& host : m_flush_fails) {
      errors.emplace_back(providers::ErrorCode::other, host + ": writing the ledger failed: disk full");
    }
    return errors;
  }

  providers::Result<void> record_intents(const std::string& host,
                                         const std::vector<providers::ObjectId>& ids) override {
    std::string event = "intents " + host;
    for (const auto& id : ids) event += " " + id.address();
    m_journal.note(event);
    if (m_broken.contains(host)) {
      return providers::fail(providers::ErrorCode::other, host + ": writing the ledger failed: disk full");
    }
    return {};
  }

  providers::Result<void> mark_created(const providers::ObjectId& id, const nlohmann::json& data) override {
    m_journal.note("created " + id.address() + " " + data.dump());
    return {};
  }

  providers::Result<void> forget(const providers::ObjectId& id) override {
    m_journal.note("forget " + id.address());
    return {};
  }

private:
  struct Host {
    providers::HostConfig config;
    std::unique_ptr<providers::FakeTransport> transport;
    std::unique_ptr<providers::HostSession> session;
  };

  ApplyJournal& m_journal;
  std::map<std::string, Host> m_hosts;
  std::set<std::string> m_unreachable;
  std::set<std::string> m_broken;
  std::set<std::string> m_flush_fails;
  std::map<std::string, int> m_capacity;
};

}  // namespace virtplan::planner::testing
