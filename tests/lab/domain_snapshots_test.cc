// Internal snapshots of a qcow2 disk over real SSH: a revert brings back the
// disk content the snapshot saw (a marker written with qemu-io), list reports
// it, delete removes it.

#include "kvm/domain_snapshots.h"
#include "providers/host/shell_quote.h"
#include "providers/host/ssh_transport.h"
#include "providers/virsh/runner.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/scratch_domain.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace virtplan;
using namespace std::chrono_literals;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

constexpr std::string_view k_snapshot_domain = "vp-snapshot-test";
constexpr std::string_view k_snapshot_dir = "/var/tmp/vp-snapshot-test";

// fmt, not std::string + "...": GCC 12 warns of a bogus out-of-bounds memcpy
// (-Warray-bounds) for the latter in a unity batch.
std::string snapshot_disk_path() { return fmt::format("{}/disk.qcow2", k_snapshot_dir); }

// Whether the disk's first 4 KiB all hold `pattern`, read with qemu-io on the host.
bool disk_holds(const LabEnv& lab, std::string_view pattern) {
  // qemu-io exits 1 when the pattern does not match: that is an answer here.
  const std::string read = "read -P " + std::string(pattern) + " 0 4k";
  const std::string out = lab.run_in(0, "qemu-io -f qcow2 -c " + providers::shell_quote(read) + " " +
                                            providers::shell_quote(snapshot_disk_path()) + " 2>&1 || true");
  return out.find("read 4096/4096 bytes") != std::string::npos &&
         out.find("Pattern verification failed") == std::string::npos;
}

void write_pattern(const LabEnv& lab, std::string_view pattern) {
  lab.run_in(0, "qemu-io -f qcow2 -c " +
                    providers::shell_quote("write -P " + std::string(pattern) + " 0 4k") + " " +
                    providers::shell_quote(snapshot_disk_path()));
}

}  // namespace

TEST_CASE("domain snapshots over ssh: revert restores the disk content of the snapshot", "[snapshots]") {
  const LabEnv lab = require_lab(1);
  virtplan::lab::remove_scratch_domain(lab, k_snapshot_domain, k_snapshot_dir);
  lab.run_in(0, "mkdir -p " + providers::shell_quote(std::string(k_snapshot_dir)) +
                    " && qemu-img create -q -f qcow2 " + providers::shell_quote(snapshot_disk_path()) +
                    " 16M");
  write_pattern(lab, "0xab");
  REQUIRE(disk_holds(lab, "0xab"));

  auto transport = providers::SshTransport::create(lab.host_config(0));
  REQUIRE(transport);
  providers::VirshRunner virsh(**transport, "qemu:///system");
  auto defined = virsh.run({"define", "/dev/stdin"},
                           virtplan::lab::scratch_domain_xml(k_snapshot_domain, snapshot_disk_path()));
  INFO((defined ? std::string() : defined.error().message()));
  REQUIRE(defined);

  kvm::DomainSnapshots snapshots(virsh, std::string(k_snapshot_domain));
  auto created = snapshots.create("before-change", "marker 0xab");
  INFO((created ? std::string() : created.error().message()));
  REQUIRE(created);

  write_pattern(lab, "0xcd");
  REQUIRE(disk_holds(lab, "0xcd"));
  REQUIRE_FALSE(disk_holds(lab, "0xab"));

  auto listed = snapshots.list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->at(0).name == "before-change");
  CHECK(listed->at(0).state == "shutoff");
  CHECK(listed->at(0).current);

  // A name that exists twice is refused, and the first snapshot stays.
  auto again = snapshots.create("before-change");
  REQUIRE_FALSE(again);
  CHECK(again.error().message().starts_with("domain.vp-snapshot-test@" + lab.hosts[0].name +
                                            ": snapshot 'before-change' not taken: "));

  auto reverted = snapshots.revert("before-change");
  INFO((reverted ? std::string() : reverted.error().message()));
  REQUIRE(reverted);
  CHECK(disk_holds(lab, "0xab"));

  auto missing = snapshots.revert("no-such-snapshot");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("no-such-snapshot") != std::string::npos);

  REQUIRE(snapshots.remove("before-change"));
  auto after = snapshots.list();
  REQUIRE(after);
  CHECK(after->empty());
  // The internal snapshot is gone from the image too.
  CHECK(lab.run_in(0, "qemu-img snapshot -l " + providers::shell_quote(snapshot_disk_path()))
            .find("before-change") == std::string::npos);
  virtplan::lab::remove_scratch_domain(lab, k_snapshot_domain, k_snapshot_dir);
}
