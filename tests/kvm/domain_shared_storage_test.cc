// A migration that copies a volume of a pool that is not a pool of files
// (logical, iSCSI...), when both hosts see that pool as one storage without
// the stack declaring it shared: the destination, its pool refreshed, lists
// the volume under the very key the source has (an LV's UUID, a LUN's
// serial). Copying would write the volume onto itself and the source's
// deletion would remove the only copy, so verify and remove_source refuse
// (kvm/domain_shared_storage.h). A key that is the volume's path (a `disk`
// pool's /dev/sdb1) names a place on each host and proves nothing.
//
// Unit tests over two fake hosts: the lab cannot share such a pool between
// its hosts (its kernel has no device-mapper, so no `logical` pool; a `disk`
// pool's key is its path; no iSCSI target runs there).

#include "kvm/domain_migration.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::providers::MigrationPart;
using virtplan::providers::MigrationStep;
using virtplan::providers::ObjectId;
using virtplan::providers::test::FakeVirshHost;

constexpr const char* k_logical =
    "<pool type='logical'><name>lvs</name><source><name>vg</name></source>"
    "<target><path>/dev/vg</path></target></pool>";

// Domain d, stopped, moving from lab1 to lab2 with its volume v of pool lvs, copied.
MigrationStep offline_step() {
  MigrationStep step;
  step.object.desired.id = ObjectId{"domain", "d", "lab2"};
  step.source = ObjectId{"domain", "d", "lab1"};
  step.carried.push_back({ObjectId{"volume", "v", "lab1", "lvs"}, {{"capacity", 1 << 20}}, false, false});
  return step;
}

// Both hosts with pool lvs, volume v listed with `from_key` on lab1 and
// `to_key` on lab2 (none: lab2 does not list it), at /dev/vg/v.
struct TwoHosts {
  FakeVirshHost from{"lab1"};
  FakeVirshHost to{"lab2"};
  TwoHosts(const std::string& from_key, const std::string& to_key, const char* pool_xml = k_logical) {
    for (FakeVirshHost* host : {&from, &to}) {
      host->on("pool-dumpxml --pool lvs", pool_xml);
      host->on("vol-path --pool lvs --vol v", "/dev/vg/v\n");
    }
    from.on("vol-key --pool lvs --vol v", from_key + "\n");
    if (to_key.empty()) {
      to.fail("vol-key --pool lvs --vol v",
              "error: failed to get vol 'v'\nerror: Storage volume not found: no storage vol with matching "
              "path 'v'\n");
    } else {
      to.on("vol-key --pool lvs --vol v", to_key + "\n");
    }
    // The domain is stopped on lab1 (as the offline step was planned), and
    // gone from its listing when remove_source asks whether to undefine it.
    from.on("domstate --domain d", "shut off\n");
    to.fail("domuuid --domain d", "error: failed to get domain 'd'\nerror: Domain not found\n");
    from.fail("domuuid --domain d", "error: failed to get domain 'd'\nerror: Domain not found\n");
    from.fail("dominfo --domain d", "error: failed to get domain 'd'\nerror: Domain not found\n");
  }
  bool ran(const FakeVirshHost& host, const std::string& prefix) const {
    return std::any_of(host.ran().begin(), host.ran().end(),
                       [&](const std::string& line) { return line.starts_with(prefix); });
  }
};

}  // namespace

TEST_CASE(
    "shared storage: a logical pool both hosts list under one vol-key, not declared shared, is refused") {
  TwoHosts hosts("lv-uuid-1234", "lv-uuid-1234");
  const MigrationStep step = offline_step();
  for (MigrationPart part : {MigrationPart::verify, MigrationPart::remove_source}) {
    auto done = virtplan::kvm::migrate_domain(step, part, hosts.from.session(), hosts.to.session());
    REQUIRE_FALSE(done);
    // (remove_source says first that the domain moved and stays on lab1.)
    CHECK_THAT(
        done.error().message(),
        Catch::EndsWith(
            "domain.d@lab1: migrate to lab2: pool lvs is one storage seen from lab1 and lab2 (volume v has "
            "the key lv-uuid-1234 on both), but is not declared shared: copying volume v there would copy it "
            "onto itself, and removing it from lab1 would remove the only copy. Nothing was changed; declare "
            "the pool `shared: true` on both hosts to move the domain without a copy"));
  }
  // The destination's listing was brought up to date first; nothing was
  // made there nor deleted here.
  CHECK(hosts.ran(hosts.to, "pool-refresh --pool lvs"));
  CHECK_FALSE(hosts.ran(hosts.to, "vol-create"));
  CHECK_FALSE(hosts.ran(hosts.from, "vol-delete"));
  CHECK_FALSE(hosts.ran(hosts.from, "undefine"));
}

TEST_CASE("shared storage: a logical pool's volume the destination lacks or keys otherwise is copied") {
  for (const std::string to_key : {"", "lv-uuid-5678"}) {
    INFO("destination key: " << to_key);
    TwoHosts hosts("lv-uuid-1234", to_key);
    const MigrationStep step = offline_step();
    auto verified =
        virtplan::kvm::migrate_domain(step, MigrationPart::verify, hosts.from.session(), hosts.to.session());
    CHECK(verified);
    auto removed = virtplan::kvm::migrate_domain(step, MigrationPart::remove_source, hosts.from.session(),
                                                 hosts.to.session());
    CHECK(removed);
    CHECK(hosts.ran(hosts.from, "vol-delete --pool lvs --vol v"));
  }
}

TEST_CASE("shared storage: a key that is the volume's path (a disk pool's) proves nothing") {
  TwoHosts hosts("/dev/vg/v", "/dev/vg/v",
                 "<pool type='disk'><name>lvs</name><source><device path='/dev/sdb'/></source>"
                 "<target><path>/dev</path></target></pool>");
  auto verified = virtplan::kvm::migrate_domain(offline_step(), MigrationPart::verify, hosts.from.session(),
                                                hosts.to.session());
  CHECK(verified);
}
