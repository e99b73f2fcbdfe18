// Real documents: tests/kvm/data/*.inactive.xml are `virsh dumpxml --inactive`
// of the golden XML defined on a lab host (libvirt 9.0, QEMU 7.2, no /dev/kvm):
// efi was defined with type qemu, since kvm cannot be defined there. Host
// devices, hugepages, NUMA and pins define fine but were never started.

#include "kvm/domain_devices.h"
#include "kvm/domain_kind.h"
#include "kvm/domain_xml_reader.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::parse_stack_file;
using kvm::test::read_text;
using kvm::test::source_path;
using nlohmann::json;

namespace {

json observed(const std::string& name) {
  auto spec = kvm::DomainKind().parse_xml(read_text(source_path("data/" + name + ".inactive.xml")));
  REQUIRE(spec);
  return *spec;
}

// The desired spec as the planner compares it: reconciled with what was
// observed, without what the engine observes apart from the XML.
json comparable(json desired, const json& found) {
  desired = kvm::DomainKind().reconcile(desired, found);
  desired.erase("autostart");
  desired.erase("state");
  return desired;
}

std::string first_string(const providers::XmlDocument& document, const std::string& xpath) {
  auto value = document.root().xpath_string(xpath);
  REQUIRE(value);
  return value->value_or("");
}

}  // namespace

TEST_CASE("real dumpxml --inactive reads back as the desired spec") {
  for (auto [name, file] : std::vector<std::pair<std::string, std::string>>{
           {"mini", "minimal"}, {"web", "full"}, {"efi", "uefi"}}) {
    SECTION(file) {
      auto object = parse_stack_file(file + ".yaml", name);
      json found = observed(name);
      json want = comparable(object.spec, found);
      if (name == "efi") want["virt_type"] = "qemu";  // defined as qemu here (no /dev/kvm)
      // As the planner compares: top-level keys the stack leaves out are not
      // managed (libvirt gives a TCG domain without <cpu> a qemu64 <cpu>).
      for (auto it = found.begin(); it != found.end();) {
        it = want.contains(it.key()) ? std::next(it) : found.erase(it);
      }
      INFO("got  " << found.dump() << "\nwant " << want.dump());
      CHECK(found == want);
    }
  }
}

TEST_CASE("reconcile gives a MAC-less NIC the MAC libvirt assigned, and auto the observed type") {
  auto object = parse_stack_file("full.yaml", "web");
  json found = observed("web");
  json reconciled = kvm::DomainKind().reconcile(object.spec, found);
  CHECK_FALSE(reconciled.at("interfaces").contains("network:default#1"));
  CHECK(reconciled.at("interfaces").at("52:54:00:1e:fb:39") ==
        json({{"network", "default"}, {"mac", "52:54:00:1e:fb:39"}, {"model", "virtio"}}));
  auto mini = parse_stack_file("minimal.yaml", "mini");
  CHECK(kvm::DomainKind().reconcile(mini.spec, observed("mini")).at("virt_type") == "qemu");
}

TEST_CASE("hotplug_slots leaves exactly that many root ports free after libvirt placed the devices") {
  auto document = providers::XmlDocument::parse(read_text(source_path("data/web.inactive.xml")));
  REQUIRE(document);
  auto ports = document->root().xpath_strings("/domain/devices/controller[@model='pcie-root-port']/@index");
  auto buses = document->root().xpath_strings("/domain/devices//address[@type='pci']/@bus");
  REQUIRE(ports);
  REQUIRE(buses);
  int free = 0;
  for (const std::string& index : *ports) {
    bool used = false;
    for (const std::string& bus : *buses) used = used || std::stoi(bus, nullptr, 16) == std::stoi(index);
    free += used ? 0 : 1;
  }
  CHECK(free == 4);
}

TEST_CASE("update_xml changes managed fields and keeps UUID, MACs, addresses and hand-added devices") {
  std::string live = read_text(source_path("data/web.inactive.xml"));
  // An admin added a file-backed disk by hand.
  auto with_hand_disk = providers::XmlDocument::parse(live);
  REQUIRE(with_hand_disk);
  auto devices = with_hand_disk->root().child("devices");
  REQUIRE(devices);
  auto hand = devices->add_child("disk");
  hand.set_attr("type", "file");
  hand.set_attr("device", "disk");
  hand.add_child("source").set_attr("file", "/srv/scratch.img");
  auto hand_target = hand.add_child("target");
  hand_target.set_attr("dev", "vdz");
  hand_target.set_attr("bus", "virtio");
  live = with_hand_disk->to_string();

  auto object = parse_stack_file("full.yaml", "web");
  json found = observed("web");
  object.spec = kvm::DomainKind().reconcile(object.spec, found);
  object.spec["memory"]["current"] = 805306368;  // 768 MiB
  object.spec["disks"].erase("sdb");             // the scsi data disk goes
  object.spec["disks"]["vdb"] = {
      {"bus", "virtio"}, {"cdrom", false}, {"readonly", false}, {"volume", "logs"}, {"pool", "images"}};
  object.spec["interfaces"].erase("52:54:00:00:00:11");  // the bridge NIC goes
  object.spec["interfaces"]["52:54:00:00:00:20"] = {
      {"network", "default"}, {"mac", "52:54:00:00:00:20"}, {"model", "virtio"}};
  auto updated = kvm::DomainKind().update_xml(live, object);
  REQUIRE(updated);
  auto before = providers::XmlDocument::parse(live);
  auto after = providers::XmlDocument::parse(*updated);
  REQUIRE(before);
  REQUIRE(after);

  CHECK(first_string(*after, "/domain/uuid") == first_string(*before, "/domain/uuid"));
  CHECK(first_string(*after, "/domain/currentMemory") == "786432");
  CHECK(first_string(*after, "/domain/memory") == "1048576");
  CHECK(first_string(*after, "/domain/os/type/@machine") == "pc-q35-7.2");
  // libvirt's MAC and PCI address for the MAC-less NIC, and vda's address, survive.
  const std::string assigned = "/domain/devices/interface[mac/@address='52:54:00:1e:fb:39']/address/@bus";
  CHECK(first_string(*after, assigned) == first_string(*before, assigned));
  const std::string vda = "/domain/devices/disk[target/@dev='vda']/address/@bus";
  CHECK(first_string(*after, vda) == first_string(*before, vda));
  CHECK(first_string(*after, "/domain/devices/disk[target/@dev='vdz']/source/@file") == "/srv/scratch.img");
  CHECK(first_string(*after, "count(/domain/devices/disk[target/@dev='sdb'])") == "0");
  CHECK(first_string(*after, "count(/domain/devices/interface[mac/@address='52:54:00:00:00:11'])") == "0");
  CHECK(first_string(*after, "/domain/devices/disk[target/@dev='vdb']/source/@volume") == "logs");
  CHECK(first_string(*after, "/domain/devices/interface[mac/@address='52:54:00:00:00:20']/source/@network") ==
        "default");
  // The controllers libvirt added are kept as they were.
  CHECK(first_string(*after, "count(/domain/devices/controller)") ==
        first_string(*before, "count(/domain/devices/controller)"));

  // And what it describes reads back as the new desired spec.
  auto reread = kvm::DomainKind().parse_xml(*updated);
  REQUIRE(reread);
  json want = object.spec;
  want.erase("autostart");
  want.erase("state");
  // Device keys the stack leaves out are not managed (kvm/domain_devices.h).
  for (std::string_view key : kvm::DomainDevices::keys()) {
    if (!want.contains(key)) reread->erase(std::string(key));
  }
  INFO("got  " << reread->dump() << "\nwant " << want.dump());
  CHECK(*reread == want);
}
