#include "tests/kvm/domain_test_support.h"

#include <fmt/format.h>

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;
using providers::Impact;

namespace {

providers::StackObject volume(const std::string& name, const std::string& pool) {
  providers::StackObject object;
  object.id = {"volume", name, "lab1"};
  object.spec = {{"pool", pool}, {"format", "qcow2"}};
  return object;
}

}  // namespace

TEST_CASE("impact follows libvirt's live and restart rules") {
  kvm::DomainKind kind;
  const json disk_virtio = {{"bus", "virtio"}, {"cdrom", false}};
  const json disk_sata = {{"bus", "sata"}, {"cdrom", false}};
  CHECK(kind.impact("/memory/current", 1, 2) == Impact::live);
  CHECK(kind.impact("/memory/max", 1, 2) == Impact::restart);
  CHECK(kind.impact("/vcpus/current", 1, 2) == Impact::live);
  CHECK(kind.impact("/vcpus/max", 1, 2) == Impact::restart);
  CHECK(kind.impact("/autostart", false, true) == Impact::live);
  CHECK(kind.impact("/state", "stopped", "running") == Impact::live);
  CHECK(kind.impact("/title", nullptr, "x") == Impact::live);
  CHECK(kind.impact("/disks/vdb", nullptr, disk_virtio) == Impact::live);
  CHECK(kind.impact("/disks/vdb", disk_virtio, nullptr) == Impact::live);
  CHECK(kind.impact("/disks/sdb", nullptr, disk_sata) == Impact::restart);
  CHECK(kind.impact("/disks/sda/media/volume", "a", "b") == Impact::live);
  CHECK(kind.impact("/disks/vda/volume", "a", "b") == Impact::restart);
  CHECK(kind.impact("/disks/vda/cache", nullptr, "none") == Impact::restart);
  CHECK(kind.impact("/disks/vda/bus", "virtio", "scsi") == Impact::restart);
  CHECK(kind.impact("/interfaces/52:54:00:00:00:01", nullptr, json::object()) == Impact::live);
  CHECK(kind.impact("/interfaces/52:54:00:00:00:01/network", "a", "b") == Impact::live);
  CHECK(kind.impact("/interfaces/52:54:00:00:00:01/model", "virtio", "e1000e") == Impact::restart);
  CHECK(kind.impact("/hostdevs/pci:0000:03:00.1", nullptr, json::object()) == Impact::live);
  for (const char* path :
       {"/cpu/mode", "/numa/nodeset", "/hugepages", "/machine", "/firmware", "/boot/kernel", "/virt_type",
        "/hotplug_slots", "/xml", "/security/model", "/cloud_init/user_data"}) {
    CHECK(kind.impact(path, "a", "b") == Impact::restart);
  }
  CHECK(kind.impact("/restart", "never", "if-needed") == Impact::none);
}

TEST_CASE("resolve takes a disk's pool and format from the declared volume, and references follow") {
  providers::Diagnostics diags;
  auto object = parse_domain(R"(memory: 1GiB
disks:
  - {volume: root}
  - {volume: outside, pool: other, target: vdc}
interfaces:
  - {network: lan}
  - {bridge: br0}
cloud_init: {user_data: ./u.yaml}
)",
                             diags);
  REQUIRE(messages(diags) == "");
  std::vector<providers::StackObject> all = {object, volume("root", "images")};
  kvm::DomainKind kind;
  kind.resolve(object, all);
  CHECK(object.spec.at("disks").at("vda").at("pool") == "images");
  CHECK(object.spec.at("disks").at("vda").at("format") == "qcow2");
  CHECK(object.spec.at("disks").at("sda").at("media").at("pool") == "images");  // the seed follows vda
  auto refs = kind.references(object);
  REQUIRE(refs.size() == 4);
  CHECK(refs[0].target.address() == "volume.web-cidata@lab1");  // the seed CD-ROM (sda): created first
  CHECK(refs[0].need == providers::Reference::Need::optional);
  CHECK(refs[1].target.address() == "volume.root@lab1");
  CHECK(refs[1].need == providers::Reference::Need::optional);
  CHECK(refs[2].target.address() == "volume.outside@lab1");
  CHECK(refs[2].need == providers::Reference::Need::optional);
  CHECK(refs[3].target.address() == "network.lan@lab1");  // bridges are the host's own

  // Without a declared volume and without pool: a required reference the loader reports.
  providers::Diagnostics none;
  auto bare = parse_domain("memory: 1GiB\ndisks:\n  - {volume: root}\n", none);
  kind.resolve(bare, {bare});
  REQUIRE(kind.references(bare).size() == 1);
  CHECK(kind.references(bare)[0].need == providers::Reference::Need::declared);
  CHECK_FALSE(kind.create_xml(bare));
}

TEST_CASE("check finds a MAC used by two domains on one host, and a disk naming the wrong pool") {
  providers::Diagnostics parse_diags;
  auto web = parse_domain(
      "memory: 1GiB\ninterfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\"}\n"
      "disks:\n  - {volume: root, pool: wrong}\n",
      parse_diags, "web");
  auto db = parse_domain("memory: 1GiB\ninterfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\"}\n",
                         parse_diags, "db");
  REQUIRE(parse_diags.empty());
  std::vector<providers::StackObject> all = {web, db, volume("root", "images")};
  const providers::StackIndex index(all);
  providers::Diagnostics diags;
  kvm::DomainKind().check(web, index, diags);
  kvm::DomainKind().check_all(index, diags);  // MACs: every domain against the others, at once
  CHECK(messages(diags) ==
        "stack.yaml:3:25: domain.db@lab1: MAC address 52:54:00:00:00:10 is also used by domain.web@lab1 "
        "(stack.yaml:3:25)\n"
        "stack.yaml:3:25: domain.web@lab1: MAC address 52:54:00:00:00:10 is also used by domain.db@lab1 "
        "(stack.yaml:3:25)\n"
        "stack.yaml:5:5: domain.web@lab1: disk vda: volume 'root' is in pool 'images', not 'wrong'\n");
}

// 16,000 domains took over a minute to validate: each domain's checks
// walked every object (copying each one's interfaces). Now a domain's own
// checks look others up in the index and the checks across domains walk the
// stack once each: the walks do not grow with the number of domains.
TEST_CASE("domain checks look objects up: walks of the whole stack stay constant as domains grow") {
  for (int count : {10, 2000}) {
    std::vector<providers::StackObject> all;
    for (int i = 0; i < count; ++i) {
      providers::Diagnostics parse_diags;
      all.push_back(
          parse_domain(fmt::format("memory: 1GiB\ndisks:\n  - {{volume: v{}}}\n"
                                   "interfaces:\n  - {{network: lan, mac: \"52:54:00:00:{:02x}:{:02x}\"}}\n",
                                   i, i / 256, i % 256),
                       parse_diags, fmt::format("d{}", i)));
      REQUIRE(parse_diags.empty());
      all.push_back(volume(fmt::format("v{}", i), "images"));
    }
    const providers::StackIndex index(all);
    kvm::DomainKind kind;
    providers::Diagnostics diags;
    for (auto& object : all) {
      if (object.id.kind == "domain") kind.resolve(object, index);
    }
    for (const auto& object : all) {
      if (object.id.kind == "domain") kind.check(object, index, diags);
    }
    kind.check_all(index, diags);
    INFO(count << " domains");
    CHECK(messages(diags) == "");
    CHECK(all[0].spec.at("disks").at("vda").at("pool") == "images");  // resolved through the index
    CHECK(index.walks() == 2);  // check_all: one pass for MACs, one for writable volumes
  }
}

TEST_CASE("reconcile takes libvirt's CPU model when the stack pins vCPUs without a mode") {
  json desired = {{"cpu", {{"pin", {{"0", 1}}}}}, {"virt_type", "auto"}};
  json observed = {{"cpu", {{"mode", "custom"}, {"model", "qemu64"}, {"pin", {{"0", 1}}}}},
                   {"virt_type", "qemu"}};
  json reconciled = kvm::DomainKind().reconcile(desired, observed);
  CHECK(reconciled.at("cpu") == observed.at("cpu"));
  CHECK(reconciled.at("virt_type") == "qemu");
  json explicit_mode = {{"cpu", {{"mode", "host-passthrough"}}}};
  CHECK(kvm::DomainKind().reconcile(explicit_mode, observed).at("cpu") == explicit_mode.at("cpu"));
}

TEST_CASE("summary and sizes read as a person writes them") {
  auto object = kvm::test::parse_stack_file("full.yaml", "web");
  kvm::DomainKind kind;
  CHECK(kind.summary(object.spec) == "2 vCPUs (max 4), 512 MiB, 5 disks, 3 NICs");
  CHECK(kind.format_value("/memory/max", json(1610612736u)) == "1.5 GiB");
  // One rule with volumes' sizes (providers/base/human_size.h): 2047 MiB is "2 GiB", not "2.0 GiB".
  CHECK(kind.format_value("/memory/current", json(2146435072u)) == "2 GiB");
  CHECK(kind.format_value("/state", "running") == "running");
}
