// Disks by path (issue 17 item 4, kvm/disk_sources.h): a file-backed pool's
// volume is written as virt-install writes it (<disk type='file'>), a block
// pool's as type='block', the rest by pool and volume; both forms read back
// as the same volume, and an update keeps a source that names the volume
// already, in either form.

#include "kvm/disk_sources.h"
#include "kvm/domain_xml_reader.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::DiskSources;
using kvm::test::valid_domain;

namespace {

constexpr const char* k_images = "/var/lib/libvirt/images";

DiskSources sources_for_test() {
  DiskSources sources;
  sources.add({"default", "web.qcow2"}, "/var/lib/libvirt/images/web.qcow2", "file");
  sources.add({"vg", "data"}, "/dev/vg/data", "block");
  return sources;
}

std::string path_xpath(const std::string& xml, const std::string& expression) {
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document);
  auto value = document->root().xpath_string(expression);
  REQUIRE(value);
  return value->value_or("");
}

std::string hand_made(const std::string& disks) {
  return "<domain type='qemu'><name>web</name><memory unit='KiB'>262144</memory><vcpu>1</vcpu>"
         "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>" +
         disks + "</devices></domain>";
}

}  // namespace

TEST_CASE("disks by path: the pool's kind says how its volumes are written") {
  CHECK(DiskSources::disk_type_for_pool("dir") == "file");
  CHECK(DiskSources::disk_type_for_pool("fs") == "file");
  CHECK(DiskSources::disk_type_for_pool("netfs") == "file");
  CHECK(DiskSources::disk_type_for_pool("logical") == "block");
  CHECK(DiskSources::disk_type_for_pool("disk") == "block");
  for (const char* kept : {"iscsi", "iscsi-direct", "rbd", "gluster", "scsi", "mpath", "zfs", "vstorage"}) {
    INFO(kept);
    CHECK_FALSE(DiskSources::disk_type_for_pool(kept));
  }
}

TEST_CASE("disks by path: a vol-list table maps each path to its volume") {
  DiskSources sources;
  sources.add_listing("default",
                      " web.qcow2   /var/lib/libvirt/images/web.qcow2\n"
                      " my disk.img /var/lib/libvirt/images/my disk.img\n\n");
  CHECK(sources.volume_at("/var/lib/libvirt/images/web.qcow2") ==
        DiskSources::Volume{"default", "web.qcow2"});
  CHECK_FALSE(sources.volume_at("/var/lib/libvirt/images/other.qcow2"));
  // Known for reading only: written by pool and volume.
  CHECK_FALSE(sources.path_of({"default", "web.qcow2"}));
}

TEST_CASE("disks by path: a new domain's disks are written by path where the pool's kind allows") {
  auto object = valid_domain(R"(memory: 256MiB
disks:
  - {volume: web.qcow2, pool: default}
  - {volume: data, pool: vg}
  - {volume: lun0, pool: san}
)");
  auto xml = kvm::DomainKind().create_xml(object, sources_for_test());
  REQUIRE(xml);
  CHECK(path_xpath(*xml, "//disk[target/@dev='vda']/@type") == "file");
  CHECK(path_xpath(*xml, "//disk[target/@dev='vda']/source/@file") == std::string(k_images) + "/web.qcow2");
  CHECK(path_xpath(*xml, "//disk[target/@dev='vdb']/@type") == "block");
  CHECK(path_xpath(*xml, "//disk[target/@dev='vdb']/source/@dev") == "/dev/vg/data");
  CHECK(path_xpath(*xml, "//disk[target/@dev='vdc']/@type") == "volume");
  CHECK(path_xpath(*xml, "//disk[target/@dev='vdc']/source/@volume") == "lun0");
  // Without the host's answers (a kind's XML alone): by pool and volume, as before.
  CHECK(path_xpath(kvm::test::created_xml(object), "//disk[target/@dev='vda']/@type") == "volume");
}

TEST_CASE("disks by path: both forms read back as the same volume, an unknown path as no disk of the spec") {
  const std::string xml = hand_made(
      "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
      "<source file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>"
      "<disk type='block' device='disk'><source dev='/dev/vg/data'/><target dev='vdb' bus='virtio'/></disk>"
      "<disk type='volume' device='disk'><source pool='san' volume='lun0'/><target dev='vdc' bus='virtio'/></disk>"
      "<disk type='file' device='disk'><source file='/srv/hand-made.img'/><target dev='vdd' bus='virtio'/></disk>");
  auto spec = kvm::DomainXmlReader::read(xml, sources_for_test());
  REQUIRE(spec);
  REQUIRE(spec->disks.size() == 3);
  CHECK(spec->disks.at("vda").volume == "web.qcow2");
  CHECK(spec->disks.at("vda").pool == "default");
  CHECK(spec->disks.at("vda").format == "qcow2");
  CHECK(spec->disks.at("vdb").volume == "data");
  CHECK(spec->disks.at("vdc").volume == "lun0");
  auto without = kvm::DomainXmlReader::read(xml);
  REQUIRE(without);
  CHECK(without->disks.size() == 1);
}

TEST_CASE("disks by path: an update keeps a source that names the volume already, in either form") {
  auto object = valid_domain(R"(memory: 256MiB
disks:
  - {volume: web.qcow2, pool: default, cache: none}
  - {volume: old.qcow2, pool: default, cache: none}
)");
  // vda by path (virt-install), vdb as an older virtplan wrote it, with a
  // startup policy the stack does not manage.
  const std::string xml = hand_made(
      "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
      "<source file='/var/lib/libvirt/images/web.qcow2' startupPolicy='optional'/>"
      "<target dev='vda' bus='virtio'/></disk>"
      "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
      "<source pool='default' volume='old.qcow2' startupPolicy='optional'/>"
      "<target dev='vdb' bus='virtio'/></disk>");
  auto updated = kvm::DomainKind().update_xml(xml, object, sources_for_test());
  REQUIRE(updated);
  CHECK(path_xpath(*updated, "count(//disk)") == "2");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vda']/@type") == "file");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vda']/source/@startupPolicy") == "optional");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vda']/driver/@cache") == "none");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vdb']/@type") == "volume");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vdb']/source/@startupPolicy") == "optional");
  CHECK(path_xpath(*updated, "//disk[target/@dev='vdb']/driver/@cache") == "none");
}

TEST_CASE("disks by path: a disk moved to another volume is written by the new volume's path") {
  auto object = valid_domain("memory: 256MiB\ndisks:\n  - {volume: web.qcow2, pool: default}\n");
  const std::string xml = hand_made(
      "<disk type='block' device='disk'><source dev='/dev/vg/data'/><target dev='vda' bus='virtio'/></disk>");
  auto updated = kvm::DomainKind().update_xml(xml, object, sources_for_test());
  REQUIRE(updated);
  CHECK(path_xpath(*updated, "count(//disk)") == "1");
  CHECK(path_xpath(*updated, "//disk/@type") == "file");
  CHECK(path_xpath(*updated, "//disk/source/@file") == std::string(k_images) + "/web.qcow2");
  CHECK(path_xpath(*updated, "count(//disk/source/@dev)") == "0");
}
