// A rerun finishing a live migration a killed apply left under way
// (kvm/domain_migration.cc, remove_source): while the destination still
// starts its QEMU, libvirt's job on the source reads "None"; the destination
// holding the domain paused says the migration is under way, so the rerun
// waits for it instead of failing with "no migration under way".

#include "kvm/domain_migration.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::providers::MigrationPart;
using virtplan::providers::MigrationStep;
using virtplan::providers::ObjectId;
using virtplan::providers::test::FakeVirshHost;

constexpr const char* k_not_found = "error: failed to get domain 'd'\nerror: Domain not found\n";

MigrationStep live_step() {
  MigrationStep step;
  step.object.desired.id = ObjectId{"domain", "d", "lab2"};
  step.source = ObjectId{"domain", "d", "lab1"};
  step.live = true;
  return step;
}

// lab1 runs d once with no job, then no longer has it.
struct Ends {
  FakeVirshHost from{"lab1"};
  FakeVirshHost to{"lab2"};
  Ends() {
    from.then("domstate --domain d", "running\n");
    from.fail("domstate --domain d", k_not_found);
    from.on("domjobinfo --domain d", "Job type:         None\n");
    from.fail("dominfo --domain d", k_not_found);
  }
};

}  // namespace

TEST_CASE("finishing a live migration waits while the destination holds the domain paused, no job yet") {
  Ends ends;
  ends.to.then("domstate --domain d", "paused\n");
  auto removed = virtplan::kvm::migrate_domain(live_step(), MigrationPart::remove_source, ends.from.session(),
                                               ends.to.session());
  INFO((removed ? std::string() : removed.error().message()));
  CHECK(removed);
}

TEST_CASE(
    "finishing a live migration with no job on the source and nothing arriving fails, nothing removed") {
  Ends ends;
  ends.to.fail("domstate --domain d", k_not_found);
  auto removed = virtplan::kvm::migrate_domain(live_step(), MigrationPart::remove_source, ends.from.session(),
                                               ends.to.session());
  REQUIRE_FALSE(removed);
  CHECK_THAT(removed.error().message(), Catch::Contains("runs on lab1 still, with no migration under way"));
  CHECK(std::none_of(ends.from.ran().begin(), ends.from.ran().end(),
                     [](const std::string& line) { return line.starts_with("undefine"); }));
}
