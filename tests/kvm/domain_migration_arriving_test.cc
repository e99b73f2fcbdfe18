// A rerun finishing a live migration a killed apply left under way
// (kvm/domain_migration.cc): `settle` waits while it runs, including while
// the destination still starts its QEMU and libvirt's job on the source
// reads "None" (the destination holds the domain paused), and returns once
// it ended either way: moved, or cut short with the domain running on the
// source (the planner then migrates it again, planner/apply_migration.h).
// `remove_source` never undefines a domain that runs on the source, and
// `verify` and `define` refuse a move whose domain is no longer as the plan
// saw it (started since an offline move was planned: its disk copied while
// written, it would run on both hosts).

#include "kvm/domain_migration.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace {

using virtplan::providers::MigrationPart;
using virtplan::providers::MigrationStep;
using virtplan::providers::ObjectId;
using virtplan::providers::test::FakeVirshHost;

constexpr const char* k_not_found = "error: failed to get domain 'd'\nerror: Domain not found\n";

MigrationStep step_of(bool live) {
  MigrationStep step;
  step.object.desired.id = ObjectId{"domain", "d", "lab2"};
  step.source = ObjectId{"domain", "d", "lab1"};
  step.live = live;
  return step;
}

// A finishing run: the plan saw d on lab2 (ours), running on lab1.
MigrationStep finishing_step() {
  MigrationStep step = step_of(true);
  step.destination_ours = true;
  return step;
}

struct TwoHosts {
  FakeVirshHost from{"lab1"};
  FakeVirshHost to{"lab2"};
  bool ran(const FakeVirshHost& host, const std::string& prefix) const {
    return std::any_of(host.ran().begin(), host.ran().end(),
                       [&](const std::string& line) { return line.starts_with(prefix); });
  }
  std::size_t count(const FakeVirshHost& host, const std::string& line) const {
    return static_cast<std::size_t>(std::count(host.ran().begin(), host.ran().end(), line));
  }
};

}  // namespace

TEST_CASE("settling a live migration waits while the destination holds the domain paused, no job yet") {
  TwoHosts hosts;
  // lab1 runs d with no job twice while lab2 holds it paused, then no longer has it.
  hosts.from.then("domstate --domain d", "running\n");
  hosts.from.then("domstate --domain d", "running\n");
  hosts.from.fail("domstate --domain d", k_not_found);
  hosts.from.on("domjobinfo --domain d", "Job type:         None\n");
  hosts.to.then("domstate --domain d", "paused\n");
  hosts.to.then("domstate --domain d", "paused\n");
  auto settled = virtplan::kvm::migrate_domain(finishing_step(), MigrationPart::settle, hosts.from.session(),
                                               hosts.to.session());
  INFO((settled ? std::string() : settled.error().message()));
  CHECK(settled);
  CHECK(hosts.count(hosts.from, "domstate --domain d") == 3);
}

TEST_CASE("settling a live migration waits while the source shows a job, and says so") {
  TwoHosts hosts;
  hosts.from.then("domstate --domain d", "running\n");
  hosts.from.on("domstate --domain d", "shut off\n");
  hosts.from.on("domjobinfo --domain d",
                "Job type:         Unbounded\nOperation:        Outgoing migration\n"
                "Data remaining:   80.512 MiB\n");
  MigrationStep step = finishing_step();
  std::vector<std::string> said;
  step.object.progress = [&](std::string_view text) { said.emplace_back(text); };
  auto settled =
      virtplan::kvm::migrate_domain(step, MigrationPart::settle, hosts.from.session(), hosts.to.session());
  CHECK(settled);
  CHECK(hosts.count(hosts.from, "domstate --domain d") == 2);
  CHECK_FALSE(hosts.ran(hosts.from, "undefine"));
  CHECK(said ==
        std::vector<std::string>{
            "waiting for the live migration a killed apply left under way to end (0 s, 80.512 MiB left)"});
}

TEST_CASE("settling a migration cut short returns with the domain running where it was, nothing removed") {
  TwoHosts hosts;
  hosts.from.on("domstate --domain d", "running\n");
  hosts.from.on("domjobinfo --domain d", "Job type:         None\n");
  hosts.to.fail("domstate --domain d", k_not_found);
  auto settled = virtplan::kvm::migrate_domain(finishing_step(), MigrationPart::settle, hosts.from.session(),
                                               hosts.to.session());
  INFO((settled ? std::string() : settled.error().message()));
  CHECK(settled);
  CHECK(hosts.count(hosts.from, "domstate --domain d") == 1);
  CHECK(hosts.from.ran().size() + hosts.to.ran().size() == 3);  // domstate, domjobinfo; lab2's domstate
}

TEST_CASE("removing a domain from a source it still runs on fails, nothing removed") {
  TwoHosts hosts;
  hosts.from.on("domstate --domain d", "running\n");
  hosts.from.on("domjobinfo --domain d", "Job type:         None\n");
  auto removed = virtplan::kvm::migrate_domain(finishing_step(), MigrationPart::remove_source,
                                               hosts.from.session(), hosts.to.session());
  REQUIRE_FALSE(removed);
  CHECK_THAT(removed.error().message(), Catch::Contains("runs on lab1 still, with no migration under way"));
  CHECK_FALSE(hosts.ran(hosts.from, "undefine"));
  CHECK_FALSE(hosts.ran(hosts.from, "vol-delete"));
}

TEST_CASE("a finishing run removes what the killed apply's live migration left, one it began does not look") {
  for (const bool finishing : {true, false}) {
    INFO("finishing: " << finishing);
    TwoHosts hosts;
    hosts.from.on("domstate --domain d", "shut off\n");
    hosts.to.on("domuuid --domain d", "6f1c1b52-0c8e-4f5e-9d5b-1c2d3e4f5a6b\n");
    hosts.from.fail("dominfo --domain d", k_not_found);
    MigrationStep step = finishing ? finishing_step() : step_of(true);
    auto removed = virtplan::kvm::migrate_domain(step, MigrationPart::remove_source, hosts.from.session(),
                                                 hosts.to.session());
    INFO((removed ? std::string() : removed.error().message()));
    CHECK(removed);
    CHECK(hosts.ran(hosts.to, "domuuid --domain d") == finishing);
  }
}

TEST_CASE("a move whose domain is not as the plan saw it on the source is refused before anything changes") {
  struct Case {
    bool live;
    const char* state;
    const char* says;
  };
  for (
      const Case& c :
      {Case{false, "running",
            "the domain is running on lab1 now, stopped when the plan was "
            "made (the next plan moves it live)"},
       Case{false, "paused", "the domain is paused on lab1 now, stopped when the plan was made"},
       Case{
           false, "pmsuspended",
           "the domain is pmsuspended on lab1 now, stopped when the plan was made (the next plan moves it live)"},
       Case{
           false, "crashed",
           "the domain is crashed on lab1 now, stopped when the plan was made (the next plan moves it live)"},
       Case{true, "shut off",
            "the domain is shut off on lab1 now, running when the plan was "
            "made (the next plan moves it offline)"}}) {
    INFO(c.state);
    TwoHosts hosts;
    hosts.from.on("domstate --domain d", std::string(c.state) + "\n");
    auto verified = virtplan::kvm::migrate_domain(step_of(c.live), MigrationPart::verify,
                                                  hosts.from.session(), hosts.to.session());
    REQUIRE_FALSE(verified);
    CHECK_THAT(
        verified.error().message(),
        Catch::StartsWith("domain.d@lab1: migrate to lab2: nothing was moved: ") && Catch::Contains(c.says));
    CHECK(hosts.from.ran() == std::vector<std::string>{"domstate --domain d"});
    CHECK(hosts.to.ran().empty());
  }
}

TEST_CASE("an offline move whose domain was started while its disks were copied is not defined there") {
  TwoHosts hosts;
  hosts.from.on("domstate --domain d", "running\n");
  auto defined = virtplan::kvm::migrate_domain(step_of(false), MigrationPart::define, hosts.from.session(),
                                               hosts.to.session());
  REQUIRE_FALSE(defined);
  CHECK_THAT(defined.error().message(),
             Catch::StartsWith("domain.d@lab1: migrate to lab2: copied, not defined: the domain is running"));
  CHECK_FALSE(hosts.ran(hosts.to, "define"));
  CHECK_FALSE(hosts.ran(hosts.to, "start"));
}

TEST_CASE("a move whose domain is as the plan saw it passes the state check") {
  for (const bool live : {true, false}) {
    TwoHosts hosts;
    hosts.from.on("domstate --domain d", live ? "running\n" : "shut off\n");
    auto verified = virtplan::kvm::migrate_domain(step_of(live), MigrationPart::verify, hosts.from.session(),
                                                  hosts.to.session());
    INFO((verified ? std::string() : verified.error().message()));
    CHECK(verified);
  }
}
