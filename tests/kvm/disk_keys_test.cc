// A disk's tuning keys (kvm/disk_keys.h): what a stack may write and what it
// is refused where it is, how they reach libvirt's XML and come back, that a
// key the stack leaves out is not managed, their impact (iotune live through
// blkdeviotune, the rest restart), and what import prints.

#include "kvm/disk_keys.h"
#include "kvm/domain_change_set.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_live_updater.h"
#include "kvm/domain_reconciler.h"
#include "kvm/domain_stack_writer.h"
#include "kvm/domain_xml_reader.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using kvm::test::valid_domain;
using nlohmann::json;

namespace {

const char* const k_tuned = R"(memory: 256MiB
disks:
  - volume: web
    pool: p
    cache: none
    io: native
    discard: unmap
    detect_zeroes: unmap
    iotune: {read_bytes_sec: 10485760, write_iops_sec: 200}
    serial: WEB-0001
    boot_order: 2
  - {volume: data, pool: p, boot_order: 1}
)";

std::string disk_xpath(const std::string& xml, const std::string& expression) {
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document);
  auto value = document->root().xpath_string(expression);
  REQUIRE(value);
  return value->value_or("");
}

// A domain whose disk has every key, as libvirt 9.0 prints it.
const char* const k_tuned_xml = R"(<domain type='qemu'><name>web</name>
<memory unit='KiB'>262144</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<devices>
<disk type='volume' device='disk'>
  <driver name='qemu' type='qcow2' cache='none' io='threads' discard='ignore' detect_zeroes='on'/>
  <source pool='p' volume='web'/>
  <target dev='vda' bus='virtio'/>
  <iotune><total_bytes_sec>1000000</total_bytes_sec><total_iops_sec>0</total_iops_sec></iotune>
  <serial>S1</serial>
  <boot order='1'/>
</disk>
</devices></domain>)";

}  // namespace

TEST_CASE("disk keys: the stack's values reach the canonical spec and libvirt's XML") {
  auto object = valid_domain(k_tuned);
  const json& vda = object.spec.at("disks").at("vda");
  CHECK(vda.at("io") == "native");
  CHECK(vda.at("discard") == "unmap");
  CHECK(vda.at("detect_zeroes") == "unmap");
  CHECK(vda.at("iotune") == json({{"read_bytes_sec", 10485760}, {"write_iops_sec", 200}}));
  CHECK(vda.at("serial") == "WEB-0001");
  CHECK(vda.at("boot_order") == 2);
  CHECK_FALSE(object.spec.at("disks").at("vdb").contains("io"));

  const std::string xml = kvm::test::created_xml(object);
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/driver/@io") == "native");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/driver/@discard") == "unmap");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/driver/@detect_zeroes") == "unmap");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/driver/@cache") == "none");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/iotune/read_bytes_sec") == "10485760");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/iotune/write_iops_sec") == "200");
  CHECK(disk_xpath(xml, "count(//disk[target/@dev='vda']/iotune/*)") == "2");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/serial") == "WEB-0001");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vda']/boot/@order") == "2");
  CHECK(disk_xpath(xml, "//disk[target/@dev='vdb']/boot/@order") == "1");
  // libvirt refuses <os><boot dev=...> beside a device's boot order.
  CHECK(disk_xpath(xml, "count(/domain/os/boot)") == "0");

  // What the writer wrote reads back as the stack said.
  auto read = kvm::DomainXmlReader::read(xml);
  REQUIRE(read);
  CHECK(read->to_json().at("disks") == object.spec.at("disks"));
}

TEST_CASE("disk keys: a bad value is refused where it is, saying what is expected") {
  providers::Diagnostics diags;
  parse_domain(R"(memory: 256MiB
disks:
  - volume: a
    pool: p
    io: aio
    cache: none
)",
               diags);
  CHECK(messages(diags) ==
        "stack.yaml:5:9: domain.web: io: expected one of native, threads, io_uring, got 'aio'\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"discard: trim", "discard: expected one of unmap, ignore, got 'trim'"},
      {"detect_zeroes: maybe", "detect_zeroes: expected one of off, on, unmap, got 'maybe'"},
      {"iotune: {total_bytes_sec: 0}", "iotune total_bytes_sec: expected a number above 0, got 0"},
      {"iotune: {bytes_sec: 5}", "iotune: unknown key 'bytes_sec'"},
      {"iotune: 100", "iotune: expected a map of total_bytes_sec"},
      {"iotune: {total_iops_sec: 5, read_iops_sec: 3}",
       "iotune: total_iops_sec cannot be set with read_iops_sec (libvirt takes a total or read/write limits)"},
      {"serial: \"a/b\"", "serial: expected letters, digits, space, _ . + or -, got \"a/b\""},
      {"boot_order: 0", "boot_order: expected a number from 1, got 0"},
      {"io: native", "io: native needs cache: none or directsync (libvirt refuses it with another cache)"},
      {"io: native, cache: writeback", "io: native needs cache: none or directsync"},
  };
  for (const auto& [yaml, message] : cases) {
    INFO(yaml);
    providers::Diagnostics one;
    parse_domain("memory: 256MiB\ndisks:\n  - {volume: a, pool: p, " + yaml + "}\n", one);
    CHECK(messages(one).find(message) != std::string::npos);
  }
}

TEST_CASE("disk keys: two disks with one boot order are refused at the second") {
  auto object = valid_domain(
      "memory: 256MiB\ndisks:\n  - {volume: a, pool: p, boot_order: 1}\n  - {volume: b, pool: p, boot_order: 1}\n");
  providers::Diagnostics diags;
  kvm::DomainKind().check(object, providers::StackIndex{object}, diags);
  CHECK(messages(diags).find("domain.web@lab1: disk vdb: boot_order 1 is also disk vda's") !=
        std::string::npos);
}

TEST_CASE("disk keys read back from libvirt's XML, a zero limit as no limit") {
  auto spec = kvm::DomainXmlReader::read(k_tuned_xml);
  REQUIRE(spec);
  const json vda = spec->to_json().at("disks").at("vda");
  CHECK(vda.at("io") == "threads");
  CHECK(vda.at("discard") == "ignore");
  CHECK(vda.at("detect_zeroes") == "on");
  CHECK(vda.at("iotune") == json({{"total_bytes_sec", 1000000}}));
  CHECK(vda.at("serial") == "S1");
  CHECK(vda.at("boot_order") == 1);
}

TEST_CASE("disk keys the stack leaves out are not managed: no change planned, an update keeps them") {
  auto object =
      valid_domain("memory: 256MiB\ndisks:\n  - {volume: web, pool: p, format: qcow2, cache: none}\n");
  auto observed = kvm::DomainKind().parse_xml(k_tuned_xml);
  REQUIRE(observed);
  const json desired = kvm::DomainReconciler::reconcile(object.spec, *observed);
  CHECK(desired.at("disks") == observed->at("disks"));

  // Declared ones are written, the others stay as the XML has them.
  auto declared = valid_domain(
      "memory: 256MiB\ndisks:\n  - {volume: web, pool: p, format: qcow2, cache: none, io: native, iotune: {}}\n");
  auto xml = kvm::DomainKind().update_xml(k_tuned_xml, declared);
  REQUIRE(xml);
  CHECK(disk_xpath(*xml, "//disk/driver/@io") == "native");
  CHECK(disk_xpath(*xml, "count(//disk/iotune)") == "0");
  CHECK(disk_xpath(*xml, "//disk/driver/@discard") == "ignore");
  CHECK(disk_xpath(*xml, "//disk/serial") == "S1");
  CHECK(disk_xpath(*xml, "//disk/boot/@order") == "1");

  // `iotune: {}` on a disk without limits is no change.
  auto plain = kvm::DomainKind().parse_xml(
      kvm::test::created_xml(valid_domain("memory: 256MiB\ndisks:\n  - {volume: web, pool: p}\n")));
  REQUIRE(plain);
  auto no_limits = valid_domain("memory: 256MiB\ndisks:\n  - {volume: web, pool: p, iotune: {}}\n");
  CHECK(kvm::DomainReconciler::reconcile(no_limits.spec, *plain).at("disks") == plain->at("disks"));
}

TEST_CASE("disk keys: I/O limits change live through blkdeviotune, the rest takes a restart") {
  const auto& rules = kvm::domain_field_rules();
  CHECK(rules.impact("/disks/vda/iotune/total_bytes_sec", 1, 2) == providers::Impact::live);
  CHECK(rules.impact("/disks/vda/iotune", nullptr, json({{"total_iops_sec", 5}})) == providers::Impact::live);
  CHECK(rules.rule_for("/disks/vda/iotune/read_iops_sec", 1, 2).live == kvm::domain_live::iotune);
  for (const char* path : {"/disks/vda/io", "/disks/vda/discard", "/disks/vda/detect_zeroes",
                           "/disks/vda/serial", "/disks/vda/boot_order", "/disks/vda/cache"}) {
    INFO(path);
    CHECK(rules.impact(path, "a", "b") == providers::Impact::restart);
  }
  CHECK(rules.impact("/disks/vda/io", "native", "threads", providers::Running::no) ==
        providers::Impact::config);

  const auto changes =
      kvm::DomainChangeSet::of({{"/disks/vda/iotune/read_bytes_sec", 1, 2, providers::Impact::live},
                                {"/disks/vda/iotune/write_bytes_sec", nullptr, 2, providers::Impact::live}});
  CHECK(changes.iotune == std::vector<std::string>{"vda"});
  CHECK(changes.config);
  CHECK(changes.restart.empty());
}

TEST_CASE("disk keys: the live I/O limits are sent whole, 0 for no limit") {
  auto object = valid_domain(k_tuned);
  auto desired = kvm::DomainSpec::from_json(object.spec);
  REQUIRE(desired);
  providers::test::FakeVirshHost host;
  providers::StepLog log(object.id);
  kvm::DomainLiveUpdater updater(host.session().virsh(), "web", log, kvm::DomainTiming{});
  kvm::DomainChangeSet changes;
  changes.iotune = {"vda"};
  auto config = providers::XmlDocument::parse(kvm::test::created_xml(object));
  REQUIRE(config);
  REQUIRE(updater.apply(changes, *desired, *config));
  CHECK(host.ran() ==
        std::vector<std::string>{"blkdeviotune --domain web --device vda --live --total-bytes-sec 0 "
                                 "--read-bytes-sec 10485760 --write-bytes-sec 0 --total-iops-sec 0 "
                                 "--read-iops-sec 0 --write-iops-sec 200"});
}

TEST_CASE("disk keys: import prints the keys the disk has") {
  auto spec = kvm::DomainKind().parse_xml(k_tuned_xml);
  REQUIRE(spec);
  auto yaml = kvm::domain_to_stack(*spec);
  REQUIRE(yaml);
  const json& disk = yaml->at("disks").at(0);
  CHECK(disk.at("io") == "threads");
  CHECK(disk.at("iotune") == json({{"total_bytes_sec", 1000000}}));
  CHECK(disk.at("serial") == "S1");
  CHECK(disk.at("boot_order") == 1);
}
