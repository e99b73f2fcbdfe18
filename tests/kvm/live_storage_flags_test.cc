#include "kvm/domain_shared_storage.h"

#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace virtplan;
using providers::MigrationStep;
using providers::test::FakeVirshHost;

namespace {

constexpr const char* k_disks_uri = "tcp://127.0.0.1:41001";

// Domain m: vda on the shared pool sp (its cache `shared_cache`), vdb on the
// local pool lp, and a read-only CD-ROM, which no flag names.
std::string domain_xml(const std::string& shared_cache) {
  const std::string cache = shared_cache.empty() ? "" : " cache='" + shared_cache + "'";
  return "<domain type='qemu'><name>m</name><devices>"
         "<disk type='file' device='disk'><driver name='qemu' type='raw'" +
         cache +
         "/><source file='/nfs/sv'/><target dev='vda' bus='virtio'/></disk>"
         "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
         "<source file='/var/lib/virtplan/lp/lv'/><target dev='vdb' bus='virtio'/></disk>"
         "<disk type='file' device='cdrom'><source file='/iso/seed.iso'/><target dev='sda' bus='sata'/>"
         "<readonly/></disk></devices></domain>";
}

MigrationStep::Carried carried(const std::string& pool, const std::string& name, bool shared, bool overlay) {
  nlohmann::json observed = {{"format", overlay ? "qcow2" : "raw"}, {"capacity", 8 << 20}};
  if (overlay) observed["backing_store"] = {{"path", "/var/lib/virtplan/lp/base"}, {"format", "raw"}};
  MigrationStep::Carried volume;
  volume.source = providers::ObjectId{"volume", name, "lab1", pool};
  volume.observed = observed;
  volume.shared = shared;
  return volume;
}

MigrationStep step_of(std::vector<MigrationStep::Carried> volumes) {
  MigrationStep step;
  step.source = providers::ObjectId{"domain", "m", "lab1"};
  step.object.desired.id = providers::ObjectId{"domain", "m", "lab2"};
  step.live = true;
  step.carried = std::move(volumes);
  return step;
}

std::vector<std::string> flags_of(FakeVirshHost& host, const MigrationStep& step) {
  auto flags = kvm::live_storage_flags(step, host.session(), k_disks_uri);
  INFO((flags ? std::string() : flags.error().message()));
  REQUIRE(flags);
  return *flags;
}

FakeVirshHost& with_disks(FakeVirshHost& host, const std::string& shared_cache) {
  host.on("vol-path --pool sp --vol sv", "/nfs/sv\n");
  host.on("dumpxml --domain m", domain_xml(shared_cache));
  return host;
}

}  // namespace

TEST_CASE("live storage flags: a shared disk beside a local one: the local one alone is copied",
          "[migration]") {
  FakeVirshHost host;
  const auto flags = flags_of(with_disks(host, "none"),
                              step_of({carried("sp", "sv", true, false), carried("lp", "lv", false, false)}));
  CHECK(flags == std::vector<std::string>{"--copy-storage-all", "--migrate-disks", "vdb", "--disks-uri",
                                          k_disks_uri, "--unsafe"});
  // The local disk an overlay: only its top layer crosses.
  FakeVirshHost inc;
  CHECK(flags_of(with_disks(inc, "none"),
                 step_of({carried("sp", "sv", true, false), carried("lp", "lv", false, true)}))
            .front() == "--copy-storage-inc");
}

TEST_CASE("live storage flags: a shared disk through the page cache leaves the safety check to libvirt",
          "[migration]") {
  for (const std::string cache : {"", "writeback"}) {
    INFO("cache '" << cache << "'");
    FakeVirshHost host;
    CHECK(
        flags_of(with_disks(host, cache),
                 step_of({carried("sp", "sv", true, false), carried("lp", "lv", false, false)})) ==
        std::vector<std::string>{"--copy-storage-all", "--migrate-disks", "vdb", "--disks-uri", k_disks_uri});
  }
}

TEST_CASE("live storage flags: every disk shared copies nothing", "[migration]") {
  FakeVirshHost host;
  host.on("vol-path --pool sp --vol lv", "/var/lib/virtplan/lp/lv\n");
  // vdb on the shared pool too: nothing crosses, and as vdb goes through the
  // page cache, libvirt decides whether that is safe (no --unsafe).
  CHECK(flags_of(with_disks(host, "none"),
                 step_of({carried("sp", "sv", true, false), carried("sp", "lv", true, true)})) ==
        std::vector<std::string>{});
}

TEST_CASE(
    "live storage flags: without shared disks, -inc when an overlay moves, a plain disk beside it whole",
    "[migration]") {
  FakeVirshHost host;
  CHECK(flags_of(host, step_of({carried("lp", "plain", false, false), carried("lp", "top", false, true)})) ==
        std::vector<std::string>{"--copy-storage-inc", "--disks-uri", k_disks_uri});
  CHECK(flags_of(host, step_of({carried("lp", "plain", false, false)})) ==
        std::vector<std::string>{"--copy-storage-all", "--disks-uri", k_disks_uri});
  // Only a shared volume is an overlay: what is copied has no base.
  with_disks(host, "none");
  CHECK(
      flags_of(host, step_of({carried("sp", "sv", true, true), carried("lp", "lv", false, false)})).front() ==
      "--copy-storage-all");
  CHECK(host.ran() == std::vector<std::string>{"vol-path --pool sp --vol sv", "dumpxml --domain m"});
}
