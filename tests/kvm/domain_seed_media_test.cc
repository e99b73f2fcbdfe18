// A replaced cloud-init seed under a running domain: swap_seed_media() ejects
// the CD-ROM and gives its config element back with update-device (libvirt
// ignores an update whose source is unchanged), and the domain actuator does
// that for a changed /cloud_init/seed_sha256, then restarts the guest or
// (restart: never) says it reads the seed at its next boot.

#include "kvm/domain_seed_media.h"
#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_kind.h"
#include "providers/kind/step_log.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using providers::ActuatorStep;
using providers::FieldChange;
using providers::StackObject;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

StackObject seeded(const std::string& extra = "") {
  return kvm::test::valid_domain(
      "vcpus: 1\nmemory: 64MiB\nvirt_type: qemu\n"
      "disks: [{volume: web-root, pool: images, target: vda}]\n"
      "cloud_init: {user_data: {packages: [nginx]}}\n" +
      extra);
}

std::string media_xml(const StackObject& object) { return kvm::test::created_xml(object); }

// The domain before (seed "aa") and after (seed "bb") new user-data.
struct SeedChange {
  StackObject before;
  StackObject after;
  ActuatorStep step;
};

SeedChange seed_change(const std::string& extra = "") {
  SeedChange change{seeded(extra), seeded(extra), {}};
  change.before.spec["cloud_init"][kvm::k_seed_sha256] = "aa";
  change.after.spec["cloud_init"][kvm::k_seed_sha256] = "bb";
  const std::string path = std::string("/cloud_init/") + kvm::k_seed_sha256;
  change.step =
      ActuatorStep{change.after,
                   change.before.spec,
                   {FieldChange{path, "aa", "bb", kvm::domain_field_rules().impact(path, "aa", "bb")}},
                   {}};
  return change;
}

kvm::DomainTiming quick_restart() {
  kvm::DomainTiming timing;
  timing.shutdown_timeout = std::chrono::milliseconds(0);
  timing.poll_interval = std::chrono::milliseconds(1);
  return timing;
}

}  // namespace

TEST_CASE("swap_seed_media ejects the seed CD-ROM and inserts its config element again, confirmed") {
  StackObject web = seeded();
  const std::string xml = media_xml(web);
  auto config = providers::XmlDocument::parse(xml);
  REQUIRE(config);
  FakeVirshHost host;
  host.on("dumpxml --domain web", xml);
  providers::StepLog log(web.id);
  auto swapped = kvm::swap_seed_media(host.session().virsh(), "web", *config, log);
  REQUIRE(swapped);
  REQUIRE(swapped->has_value());
  CHECK(**swapped == "sda");
  CHECK(host.ran() == Lines{"dumpxml --domain web",
                            "change-media --domain web --path sda --eject --live --force",
                            "update-device --domain web --file /dev/stdin --live", "dumpxml --domain web"});
  auto inserted =
      providers::XmlDocument::parse(host.stdin_of("update-device --domain web --file /dev/stdin --live"));
  REQUIRE(inserted);
  CHECK(inserted->root().name() == "disk");
  CHECK(inserted->root().attr("device") == "cdrom");
  CHECK(inserted->root().child("source")->attr("volume") == "web-cidata");
}

TEST_CASE("swap_seed_media does nothing without a seed CD-ROM, and says what is left when insert fails") {
  StackObject plain = kvm::test::parse_stack_file("minimal.yaml", "web");
  auto config = providers::XmlDocument::parse(media_xml(plain));
  REQUIRE(config);
  FakeVirshHost none;
  providers::StepLog log(plain.id);
  auto nothing = kvm::swap_seed_media(none.session().virsh(), "web", *config, log);
  REQUIRE(nothing);
  CHECK_FALSE(nothing->has_value());
  CHECK(none.ran().empty());

  StackObject web = seeded();
  auto seeded_config = providers::XmlDocument::parse(media_xml(web));
  REQUIRE(seeded_config);
  FakeVirshHost failing;
  failing.on("dumpxml --domain web", media_xml(web));
  failing.fail("update-device --domain web --file /dev/stdin --live",
               "error: internal error: unable to open\n");
  providers::StepLog seeded_log(web.id);
  auto failed = kvm::swap_seed_media(failing.session().virsh(), "web", *seeded_config, seeded_log);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message() ==
        "domain.web@lab1: virsh update-device failed: internal error: unable to open "
        "(the seed CD-ROM sda is ejected, the new seed not inserted)");
}

TEST_CASE("domain update: a new seed under a running domain with restart: never is swapped live, no restart",
          "[actuator]") {
  SeedChange change = seed_change("restart: never\n");
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", media_xml(change.before));
  host.on("dumpxml --domain web", media_xml(change.before));
  auto done = kvm::DomainActuator(quick_restart()).update(change.step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web", "define /dev/stdin",
                            "dumpxml --inactive --security-info --domain web", "dumpxml --domain web",
                            "change-media --domain web --path sda --eject --live --force",
                            "update-device --domain web --file /dev/stdin --live", "dumpxml --domain web"});
  // The config keeps the old hash, so the plan keeps showing the restart.
  auto defined = kvm::DomainKind().parse_xml(host.stdin_of("define /dev/stdin"));
  REQUIRE(defined);
  CHECK(defined->at("cloud_init").at(kvm::k_seed_sha256) == "aa");
  CHECK(done->warnings == Lines{"restart pending (restart: never)",
                                "new cloud-init seed on CD-ROM sda: the guest reads it at its next boot"});
}

TEST_CASE(
    "domain update: a new seed under a running domain with restart: if-needed is swapped, then the guest "
    "restarted",
    "[actuator]") {
  SeedChange change = seed_change();
  FakeVirshHost host;
  host.then("domstate --domain web", "running\n");
  host.on("domstate --domain web", "shut off\n");
  host.on("dumpxml --inactive --security-info --domain web", media_xml(change.before));
  host.on("dumpxml --domain web", media_xml(change.before));
  kvm::DomainTiming timing = quick_restart();
  timing.shutdown_timeout = std::chrono::seconds(5);
  auto done = kvm::DomainActuator(timing).update(change.step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web", "define /dev/stdin",
                            "dumpxml --inactive --security-info --domain web", "dumpxml --domain web",
                            "change-media --domain web --path sda --eject --live --force",
                            "update-device --domain web --file /dev/stdin --live", "dumpxml --domain web",
                            "shutdown --domain web", "domstate --domain web", "start --domain web"});
  auto defined = kvm::DomainKind().parse_xml(host.stdin_of("define /dev/stdin"));
  REQUIRE(defined);
  CHECK(defined->at("cloud_init").at(kvm::k_seed_sha256) == "bb");
  CHECK(done->warnings.empty());
}
