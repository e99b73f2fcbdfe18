#include "kvm/domain_backup.h"

#include "providers/xml/document.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using namespace std::chrono_literals;
using providers::test::FakeVirshHost;

TEST_CASE("backup: the document names the disk and the target file", "[backup]") {
  auto doc = providers::XmlDocument::parse(kvm::DomainBackup::backup_xml("vda", "/b/x'<.qcow2"));
  REQUIRE(doc);
  auto file = doc->root().xpath_string("/domainbackup/disks/disk[@name='vda']/target/@file");
  REQUIRE(file);
  CHECK(*file == std::optional<std::string>("/b/x'<.qcow2"));
}

TEST_CASE("backup: begins, follows the job to completion, and reports a failed job", "[backup]") {
  FakeVirshHost host;
  host.then("domjobinfo --domain web", "Job type:         Unbounded\nOperation:        Backup\n");
  host.on("domjobinfo --domain web", "Job type:         None\n");
  host.on("domjobinfo --domain web --completed", "Job type:         Completed\n");
  kvm::DomainBackup backup(host.session().virsh(), "web");
  auto pushed = backup.push("vda", "/var/tmp/b.qcow2", 30s);
  INFO((pushed ? std::string() : pushed.error().message()));
  REQUIRE(pushed);
  CHECK(host.ran() == std::vector<std::string>{"backup-begin --domain web --backupxml /dev/stdin",
                                               "domjobinfo --domain web", "domjobinfo --domain web",
                                               "domjobinfo --domain web --completed"});
  CHECK(host.stdin_of("backup-begin --domain web --backupxml /dev/stdin")
            .find("<target file=\"/var/tmp/b.qcow2\"/>") != std::string::npos);

  FakeVirshHost failing;
  failing.on("domjobinfo --domain web", "Job type:         None\n");
  failing.on("domjobinfo --domain web --completed", "Job type:         Failed\n");
  auto failed = kvm::DomainBackup(failing.session().virsh(), "web").push("vda", "/b.qcow2", 30s);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message() ==
        "domain.web@lab1: backup of vda to /b.qcow2 did not complete: job Failed");
}
