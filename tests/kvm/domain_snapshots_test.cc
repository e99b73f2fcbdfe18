#include "kvm/domain_snapshots.h"

#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using providers::test::FakeVirshHost;

TEST_CASE("snapshots: create, revert and delete name the domain and snapshot as option values",
          "[snapshots]") {
  FakeVirshHost host;
  kvm::DomainSnapshots snapshots(host.session().virsh(), "web");
  REQUIRE(snapshots.create("before-upgrade", "pre 2.0"));
  REQUIRE(snapshots.revert("before-upgrade"));
  REQUIRE(snapshots.remove("before-upgrade"));
  CHECK(host.ran() ==
        std::vector<std::string>{"snapshot-create-as --domain web --name before-upgrade --description "
                                 "'pre 2.0'",
                                 "snapshot-revert --domain web --snapshotname before-upgrade",
                                 "snapshot-delete --domain web --snapshotname before-upgrade"});
}

TEST_CASE("snapshots: a failure names the domain, the host and what was not done", "[snapshots]") {
  FakeVirshHost host;
  host.fail("snapshot-revert --domain web --snapshotname nope",
            "error: Domain snapshot not found: no domain snapshot with matching name 'nope'\n");
  kvm::DomainSnapshots snapshots(host.session().virsh(), "web");
  auto reverted = snapshots.revert("nope");
  REQUIRE_FALSE(reverted);
  CHECK(reverted.error().message().starts_with(
      "domain.web@lab1: not reverted to snapshot 'nope': lab1: virsh snapshot-revert"));
  CHECK(reverted.error().message().ends_with("no domain snapshot with matching name 'nope'"));
}

TEST_CASE("snapshots: list reads every snapshot in one batch, sorted by name", "[snapshots]") {
  FakeVirshHost host;
  host.on("snapshot-list --domain web --name", "b\na\n\n");
  host.on("snapshot-info --domain web --snapshotname a",
          "Name:           a\nDomain:         web\nCurrent:        no\nState:          shutoff\n"
          "Location:       internal\nParent:         -\nChildren:       1\n");
  host.on("snapshot-info --domain web --snapshotname b",
          "Name:           b\nDomain:         web\nCurrent:        yes\nState:          running\n"
          "Location:       internal\nParent:         a\nChildren:       0\n");
  kvm::DomainSnapshots snapshots(host.session().virsh(), "web");
  auto list = snapshots.list();
  REQUIRE(list);
  CHECK(*list == std::vector<kvm::SnapshotInfo>{{"a", "shutoff", "", false}, {"b", "running", "a", true}});
  CHECK(host.processes() == 2);

  FakeVirshHost empty;
  empty.on("snapshot-list --domain web --name", "");
  auto none = kvm::DomainSnapshots(empty.session().virsh(), "web").list();
  REQUIRE(none);
  CHECK(none->empty());
  CHECK(empty.processes() == 1);
}
