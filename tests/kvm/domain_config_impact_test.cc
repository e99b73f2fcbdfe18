// A restart-class change to a domain that does not run across the apply is
// a config change (issue 17 item 5): the rule is decided once, in the
// domain's field rules, and apply's change set keeps such fields for the
// config alone (never a restart, never a live action).

#include "kvm/domain_change_set.h"
#include "kvm/domain_field_rules.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using nlohmann::json;
using providers::FieldChange;
using providers::Impact;
using providers::Running;

TEST_CASE("a domain runs across the apply when it is up and the stack does not stop it") {
  const json running{{"state", "running"}};
  const json paused{{"state", "paused"}};
  const json stopped{{"state", "stopped"}};
  const json undeclared = json::object();
  CHECK(kvm::domain_running(running, undeclared) == Running::yes);
  CHECK(kvm::domain_running(running, running) == Running::yes);
  CHECK(kvm::domain_running(paused, running) == Running::yes);
  CHECK(kvm::domain_running(running, paused) == Running::yes);
  // Stopped and left so, or started by the apply: the new config is read at that start.
  CHECK(kvm::domain_running(stopped, undeclared) == Running::no);
  CHECK(kvm::domain_running(stopped, running) == Running::no);
  // Stopped by the same apply.
  CHECK(kvm::domain_running(running, stopped) == Running::no);
}

TEST_CASE("the domain kind plans a restart-class change to a stopped domain as config") {
  kvm::DomainKind kind;
  const json stopped{{"state", "stopped"}};
  const json running{{"state", "running"}};
  const Running off = kind.running(stopped, json::object());
  CHECK(off == Running::no);
  CHECK(kind.running(running, json::object()) == Running::yes);
  CHECK(kind.impact("/vcpus/max", 1, 2, off) == Impact::config);
  CHECK(kind.impact("/machine", "pc", "q35", off) == Impact::config);
  CHECK(kind.impact("/vcpus/max", 1, 2, Running::yes) == Impact::restart);
  // A live field of a stopped domain is written to its definition; autostart
  // and the power state act on the domain itself and stay live; a policy of
  // virtplan's stays none.
  CHECK(kind.impact("/vcpus/current", 1, 2, off) == Impact::config);
  CHECK(kind.impact("/interfaces/m/bandwidth/inbound/average", 100, 200, off) == Impact::config);
  CHECK(kind.impact("/vcpus/current", 1, 2, Running::yes) == Impact::live);
  CHECK(kind.impact("/autostart", false, true, off) == Impact::live);
  CHECK(kind.impact("/state", "stopped", "running", off) == Impact::live);
  CHECK(kind.impact("/restart", "if-needed", "never", off) == Impact::none);
}

TEST_CASE("apply's change set writes config fields to the config only: no restart, no live action") {
  const std::vector<FieldChange> fields{
      {"/machine", "pc", "q35", Impact::config},
      {"/vcpus/max", 1, 2, Impact::config},
  };
  const auto set = kvm::DomainChangeSet::of(fields);
  CHECK(set.config);
  CHECK(set.restart.empty());
  CHECK(set.config_only == fields);
  CHECK(set.no_live_way.empty());
  CHECK_FALSE(set.any_live_after_define());

  const auto restart = kvm::DomainChangeSet::of({{"/machine", "pc", "q35", Impact::restart}});
  CHECK(restart.restart.size() == 1);
  CHECK(restart.config_only.empty());
}
