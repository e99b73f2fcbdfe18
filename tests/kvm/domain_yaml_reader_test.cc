#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;

TEST_CASE("a minimal domain gets every default") {
  providers::Diagnostics diags;
  auto object = parse_domain("memory: 1GiB\ndisks:\n  - {volume: root, pool: images}\n", diags);
  REQUIRE(messages(diags) == "");
  const json& spec = object.spec;
  CHECK(spec.at("vcpus") == json({{"current", 1}, {"max", 1}}));
  CHECK(spec.at("memory") == json({{"current", 1073741824}, {"max", 1073741824}}));
  CHECK(spec.at("machine") == "q35");
  CHECK(spec.at("arch") == "x86_64");
  CHECK(spec.at("state") == "running");
  CHECK(spec.at("autostart") == false);
  CHECK(spec.at("restart") == "if-needed");
  CHECK(spec.at("virt_type") == "auto");
  CHECK(spec.at("firmware") == "bios");
  CHECK(spec.at("hugepages") == false);
  CHECK(spec.at("hotplug_slots") == 0);
  CHECK(spec.at("disks") == json::parse(R"({"vda": {"bus": "virtio", "cdrom": false, "readonly": false,
                                                     "volume": "root", "pool": "images"}})"));
}

TEST_CASE("disks without a target get the first free one for their bus, cdroms on sata") {
  providers::Diagnostics diags;
  auto object = parse_domain(R"(memory: 1GiB
disks:
  - {cdrom: true, volume: iso, pool: images}
  - {volume: a, pool: images}
  - {volume: b, pool: images, target: vda}
  - {volume: c, pool: images, target: sda, bus: sata}
cloud_init: {user_data: ./u.yaml}
)",
                             diags);
  REQUIRE(messages(diags) == "");
  const json& disks = object.spec.at("disks");
  CHECK(disks.at("sdb").at("media").at("volume") == "iso");
  CHECK(disks.at("sdb").at("readonly") == true);
  CHECK(disks.at("vdb").at("volume") == "a");
  CHECK(disks.at("vda").at("volume") == "b");
  // The seed CD-ROM comes after the listed disks, in the first disk's pool.
  CHECK(disks.at("sdc").at("media") ==
        json({{"volume", "web-cidata"}, {"pool", "images"}, {"format", "raw"}}));
}

TEST_CASE("NICs are keyed by MAC, or by a placeholder per source until reconciled") {
  providers::Diagnostics diags;
  auto object = parse_domain(R"(memory: 1GiB
interfaces:
  - {network: lan}
  - {network: lan, mac: "52:54:00:AA:00:01", model: e1000e}
  - {bridge: br0}
  - {network: lan}
)",
                             diags);
  REQUIRE(messages(diags) == "");
  const json& nics = object.spec.at("interfaces");
  CHECK(nics.at("52:54:00:aa:00:01") ==
        json({{"network", "lan"}, {"mac", "52:54:00:aa:00:01"}, {"model", "e1000e"}}));
  CHECK(nics.at("network:lan#1") == json({{"network", "lan"}, {"model", "virtio"}}));
  CHECK(nics.at("network:lan#2") == json({{"network", "lan"}, {"model", "virtio"}}));
  CHECK(nics.at("bridge:br0#1") == json({{"bridge", "br0"}, {"model", "virtio"}}));
}

// One MAC rule for domains and networks (providers/base/mac_address.h): a network's
// DHCP host took "52-54-00-..." and a domain's NIC did not.
TEST_CASE(
    "a NIC's MAC may be written with dashes, as a network's DHCP host's may, and reads as libvirt prints it") {
  providers::Diagnostics diags;
  auto object =
      parse_domain("memory: 1GiB\ninterfaces:\n  - {network: lan, mac: \"52-54-00-AA-00-01\"}\n", diags);
  REQUIRE(messages(diags) == "");
  CHECK(object.spec.at("interfaces").at("52:54:00:aa:00:01").at("mac") == "52:54:00:aa:00:01");
}

TEST_CASE("bad values are reported at their file:line:col") {
  providers::Diagnostics diags;
  parse_domain(R"(memory: 1GiB
vcpus: {current: 4, max: 2}
cpu:
  mode: host-passthrough
  pin: {0: 1, x: 2, 7: 3}
disks:
  - {volume: a, pool: images, bus: usb}
  - {volume: b, pool: images, target: vda}
  - {volume: c, pool: images, target: vda}
  - {cdrom: true, readonly: false}
interfaces:
  - {network: lan, mac: "52:54:00:zz:00:01"}
  - {network: lan, mac: "01:54:00:00:00:01"}
  - {network: lan, bridge: br0}
hostdevs:
  - {pci: "03:00.1"}
firmware: uefl
memroy: 2GiB
)",
               diags);
  CHECK(
      messages(diags) ==
      "stack.yaml:2:8: domain.web: vcpus current 4 is more than max 2\n"
      "stack.yaml:5:8: domain.web: bad pin: vCPU 7 does not exist (vcpus max is 1)\n"
      "stack.yaml:5:15: domain.web: bad pin: vCPU 'x' is not a vCPU number\n"
      "stack.yaml:7:36: domain.web: expected one of virtio, scsi, sata, ide, got 'usb'\n"
      "stack.yaml:9:39: domain.web: disk target 'vda' is used twice\n"
      "stack.yaml:10:29: domain.web: a cdrom is always read-only\n"
      "stack.yaml:12:25: domain.web: invalid MAC address '52:54:00:zz:00:01': expected six hex pairs like "
      "52:54:00:12:34:56\n"
      "stack.yaml:13:25: domain.web: invalid MAC address '01:54:00:00:00:01': it is a multicast address\n"
      "stack.yaml:14:5: domain.web: an interface needs exactly one of network, bridge, or type: direct with source_dev\n"
      "stack.yaml:16:11: domain.web: invalid PCI address '03:00.1': expected DDDD:BB:SS.F like 0000:03:00.1\n"
      "stack.yaml:17:11: domain.web: expected one of bios, uefi, got 'uefl' (did you mean 'uefi'?)\n"
      "stack.yaml:18:1: domain.web: unknown key 'memroy' (did you mean 'memory'?)\n");
}

TEST_CASE("memory and vcpus take a single value or current and max") {
  providers::Diagnostics diags;
  auto object = parse_domain("vcpus: {current: 1, max: 4}\nmemory: {current: 512MiB, max: 2G}\n", diags);
  REQUIRE(messages(diags) == "");
  CHECK(object.spec.at("vcpus") == json({{"current", 1}, {"max", 4}}));
  CHECK(object.spec.at("memory") == json({{"current", 536870912}, {"max", 2147483648}}));

  providers::Diagnostics missing;
  parse_domain("vcpus: 2\n", missing);
  CHECK(messages(missing) ==
        "stack.yaml:1:1: domain.web: memory is required (give `memory:` or a profile that has it)\n");
}
