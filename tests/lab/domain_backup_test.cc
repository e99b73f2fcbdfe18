// A push backup of a running domain's qcow2 disk over real SSH: the backup
// file holds what the disk held (a marker written with qemu-io beforehand).

#include "kvm/domain_backup.h"
#include "kvm/domain_operations.h"
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

constexpr std::string_view k_domain = "vp-backup-test";
constexpr std::string_view k_dir = "/var/tmp/vp-backup-test";

// fmt, not std::string + "...": GCC 12 warns of a bogus out-of-bounds memcpy
// (-Warray-bounds) for the latter in a unity batch.
std::string disk_path() { return fmt::format("{}/disk.qcow2", k_dir); }
std::string backup_path() { return fmt::format("{}/backup.qcow2", k_dir); }

}  // namespace

TEST_CASE("domain backup over ssh: a push backup of a running domain holds the disk's content", "[backup]") {
  const LabEnv lab = require_lab(1);
  virtplan::lab::remove_scratch_domain(lab, k_domain, k_dir);
  lab.run_in(0, "mkdir -p " + providers::shell_quote(std::string(k_dir)) +
                    " && qemu-img create -q -f qcow2 " + providers::shell_quote(disk_path()) +
                    " 16M && qemu-io -f qcow2 -c 'write -P 0xab 0 4k' " +
                    providers::shell_quote(disk_path()) + " >/dev/null");

  auto transport = providers::SshTransport::create(lab.host_config(0));
  REQUIRE(transport);
  providers::VirshRunner virsh(**transport, "qemu:///system");
  REQUIRE(virsh.run({"define", "/dev/stdin"}, virtplan::lab::scratch_domain_xml(k_domain, disk_path())));
  REQUIRE(kvm::DomainOperations(virsh, std::string(k_domain)).start());

  kvm::DomainBackup backup(virsh, std::string(k_domain));
  auto pushed = backup.push("vda", backup_path(), 120s);
  INFO((pushed ? std::string() : pushed.error().message()));
  REQUIRE(pushed);

  const std::string read = lab.run_in(0, "qemu-io -r -f qcow2 -c 'read -P 0xab 0 4k' " +
                                             providers::shell_quote(backup_path()) + " 2>&1 || true");
  CHECK(read.find("read 4096/4096 bytes") != std::string::npos);
  CHECK(read.find("Pattern verification failed") == std::string::npos);

  auto no_disk = backup.push("vdz", std::string(k_dir) + "/none.qcow2", 30s);
  REQUIRE_FALSE(no_disk);
  CHECK(no_disk.error().message().starts_with("domain.vp-backup-test@" + lab.hosts[0].name +
                                              ": backup of vdz not started: "));
  virtplan::lab::remove_scratch_domain(lab, k_domain, k_dir);
}
