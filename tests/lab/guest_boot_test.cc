// The real lab guest (tests/lab/guest/build: Debian's kernel and a busybox
// initramfs) on a lab host, under TCG, direct kernel boot, q35, 256 MiB, on a
// NAT network with a static DHCP host and a cloud-init seed built by
// storage::CloudInitSeed on a SATA CD-ROM. It proves the pieces apply relies
// on: the guest gets its reserved address (found by kvm::wait_for_address over
// real SSH), prints the seed's user-data, sees a virtio disk come and go, and
// powers off on `virsh shutdown`. The timings go to the test's output.

#include "kvm/domain_address_wait.h"
#include "providers/host/shell_quote.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/runner.h"
#include "providers/xml/document.h"
#include "storage/cloud_init_seed.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using virtplan::lab::guest_dir;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::wait_until;
using virtplan::providers::shell_quote;
using virtplan::providers::XmlDocument;
using Clock = std::chrono::steady_clock;

const std::string k_guest_mac = "52:54:00:7a:00:05";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A NAT network and a domain of the guest on lab host 0, with names and a
// subnet no other test uses; removed again even when the test fails.
class GuestOnLab {
public:
  explicit GuestOnLab(const LabEnv& env)
      : m_env(env),
        m_name("vp-guest-" + std::to_string(getpid())),
        m_subnet("192.168." + std::to_string(150 + getpid() % 90)),
        m_host_tmp(env.dir + "/" + env.hosts.at(0).name + "/tmp") {
    cleanup();
  }
  ~GuestOnLab() { cleanup(); }

  const std::string& name() const { return m_name; }
  std::string ip() const { return m_subnet + ".50"; }
  std::string boot_dir() const { return "/var/lib/libvirt/boot/" + m_name; }
  std::string serial_log() const { return "/var/log/libvirt/qemu/" + m_name + "-serial.log"; }

  std::string run(const std::string& command) const { return m_env.run_in(0, command); }
  std::string serial() const { return virtplan::lab::serial_text(m_env, 0, serial_log()); }
  bool serial_has(const std::string& text) const { return serial().find(text) != std::string::npos; }

  // Copies the guest and the seed image into the host and defines both.
  void define(const std::string& guest, const std::vector<std::uint8_t>& seed) {
    {
      std::ofstream out(m_host_tmp + "/" + m_name + "-cidata.iso", std::ios::binary);
      out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
      REQUIRE(out.good());
    }
    std::ofstream(m_host_tmp + "/" + m_name + "-net.xml") << network_xml();
    std::ofstream(m_host_tmp + "/" + m_name + "-domain.xml") << domain_xml();
    const std::string dir = shell_quote(boot_dir());
    run("mkdir -p " + dir + " /var/log/libvirt/qemu && cp " + shell_quote(guest + "/vmlinuz") + " " +
        shell_quote(guest + "/initrd.img") + " " + dir + "/ && mv " +
        shell_quote("/tmp/" + m_name + "-cidata.iso") + " " + dir + "/cidata.iso && " +
        "qemu-img create -q -f raw " + dir + "/extra.img 16M && " + "virsh -q net-create --file " +
        shell_quote("/tmp/" + m_name + "-net.xml") + " >/dev/null && " + "virsh -q define --file " +
        shell_quote("/tmp/" + m_name + "-domain.xml") + " >/dev/null");
  }

private:
  std::string network_xml() const {
    auto doc = XmlDocument::create("network");
    auto root = doc.root();
    root.add_child("name").set_text(m_name);
    root.add_child("forward").set_attr("mode", "nat");
    root.add_child("bridge").set_attr("name", "vpg" + std::to_string(getpid() % 1000000));
    auto ip = root.add_child("ip");
    ip.set_attr("address", m_subnet + ".1");
    ip.set_attr("netmask", "255.255.255.0");
    auto dhcp = ip.add_child("dhcp");
    auto range = dhcp.add_child("range");
    range.set_attr("start", m_subnet + ".100");
    range.set_attr("end", m_subnet + ".200");
    auto host = dhcp.add_child("host");
    host.set_attr("mac", k_guest_mac);
    host.set_attr("ip", this->ip());
    return doc.to_string();
  }

  std::string domain_xml() const {
    auto doc = XmlDocument::create("domain");
    auto root = doc.root();
    root.set_attr("type", "qemu");  // TCG: this machine's KVM cannot run a real kernel
    root.add_child("name").set_text(m_name);
    auto memory = root.add_child("memory");
    memory.set_attr("unit", "MiB");
    memory.set_text("256");
    root.add_child("vcpu").set_text("1");
    auto os = root.add_child("os");
    auto type = os.add_child("type");
    type.set_attr("arch", "x86_64");
    type.set_attr("machine", "q35");
    type.set_text("hvm");
    os.add_child("kernel").set_text(boot_dir() + "/vmlinuz");
    os.add_child("initrd").set_text(boot_dir() + "/initrd.img");
    os.add_child("cmdline").set_text("console=ttyS0 loglevel=4");
    root.add_child("features").add_child("acpi");
    root.add_child("on_poweroff").set_text("destroy");
    auto devices = root.add_child("devices");
    // Spare PCIe root ports: q35 hot-plugs a virtio disk only into one. The
    // root complex goes first, or libvirt takes the first port for index 0.
    auto root_complex = devices.add_child("controller");
    root_complex.set_attr("type", "pci");
    root_complex.set_attr("index", "0");
    root_complex.set_attr("model", "pcie-root");
    for (int i = 0; i < 3; ++i) {
      auto port = devices.add_child("controller");
      port.set_attr("type", "pci");
      port.set_attr("model", "pcie-root-port");
    }
    // Neither takes a port then: the NIC has one, two stay free.
    auto usb = devices.add_child("controller");
    usb.set_attr("type", "usb");
    usb.set_attr("model", "none");
    devices.add_child("memballoon").set_attr("model", "none");
    auto cdrom = devices.add_child("disk");
    cdrom.set_attr("type", "file");
    cdrom.set_attr("device", "cdrom");
    auto driver = cdrom.add_child("driver");
    driver.set_attr("name", "qemu");
    driver.set_attr("type", "raw");
    cdrom.add_child("source").set_attr("file", boot_dir() + "/cidata.iso");
    auto target = cdrom.add_child("target");
    target.set_attr("dev", "sda");
    target.set_attr("bus", "sata");
    cdrom.add_child("readonly");
    auto nic = devices.add_child("interface");
    nic.set_attr("type", "network");
    nic.add_child("source").set_attr("network", m_name);
    nic.add_child("mac").set_attr("address", k_guest_mac);
    nic.add_child("model").set_attr("type", "virtio");
    auto serial = devices.add_child("serial");
    serial.set_attr("type", "pty");
    auto log = serial.add_child("log");
    log.set_attr("file", serial_log());
    log.set_attr("append", "off");
    devices.add_child("console").set_attr("type", "pty");
    return doc.to_string();
  }

  void cleanup() {
    try {
      const std::string name = shell_quote(m_name);
      run("virsh -q destroy --domain " + name + " >/dev/null 2>&1; virsh -q undefine --domain " + name +
          " >/dev/null 2>&1; virsh -q net-destroy --network " + name + " >/dev/null 2>&1; rm -rf " +
          shell_quote(boot_dir()) + " " + shell_quote(serial_log()) + " /tmp/" + name + "-*; true");
    } catch (...) {
    }
  }

  const LabEnv& m_env;
  std::string m_name;
  std::string m_subnet;
  std::string m_host_tmp;
};

}  // namespace

TEST_CASE(
    "the lab guest boots under TCG to its reserved DHCP address, prints its seed, sees hot-plug and "
    "powers off on virsh shutdown") {
  LabEnv env = require_lab();
  const std::string guest = guest_dir();
  virtplan::storage::CloudInitSeedInput input;
  input.user_data =
      "#cloud-config\n# virtplan guest boot test " + std::to_string(getpid()) + "\nruncmd: [true]\n";
  input.hostname = "guest";
  virtplan::storage::CloudInitSeed seed(input);
  auto image = seed.image();
  REQUIRE(image);

  GuestOnLab lab(env);
  lab.define(guest, *image);
  const std::string name = shell_quote(lab.name());

  auto started = Clock::now();
  lab.run("virsh -q start --domain " + name + " >/dev/null");
  double start_seconds = seconds_since(started);

  // The address as apply's `wait: {ip: true}` finds it: over real SSH.
  auto transport = virtplan::providers::make_transport(env.host_config(0));
  REQUIRE(transport);
  virtplan::providers::VirshRunner virsh(**transport, "qemu:///system");
  virtplan::kvm::AddressWaitOptions options;
  options.timeout = 120s;
  options.interval = 1s;
  auto addresses =
      virtplan::kvm::wait_for_address(virsh, lab.name(), "domain." + lab.name() + "@lab", options);
  double lease_seconds = seconds_since(started);
  INFO("serial log:\n" << lab.serial());
  REQUIRE(addresses);
  REQUIRE(addresses->size() == 1);
  CHECK(addresses->front().ip == lab.ip());
  CHECK(addresses->front().mac == k_guest_mac);
  // The network's lease list is asked first; when it has not listed the
  // lease yet in that round (seen once in a loaded run), domifaddr's reading
  // of the same dnsmasq leases finds it: both are this network's lease.
  const std::string source = addresses->front().source;
  CHECK((source == "network " + lab.name() || source == "lease"));

  // The guest says the same on its serial console, then prints the seed.
  CHECK(wait_until(30s,
                   [&] { return lab.serial_has("VIRTPLAN-GUEST ip=" + lab.ip() + " mac=" + k_guest_mac); }));
  CHECK(wait_until(30s, [&] { return lab.serial_has("VIRTPLAN-GUEST user-data end"); }));
  double seed_seconds = seconds_since(started);
  std::string serial = lab.serial();
  CHECK(serial.find("VIRTPLAN-GUEST user-data begin\n" + input.user_data) != std::string::npos);
  CHECK(serial.find("instance-id: " + seed.instance_id()) != std::string::npos);
  CHECK(serial.find("local-hostname: guest") != std::string::npos);

  // A virtio disk hot-plugged and unplugged: the guest sees both (as vda,
  // its first virtio disk, whatever libvirt's target), and the unplug
  // completes (libvirt no longer lists the disk).
  CHECK(wait_until(30s, [&] { return lab.serial_has("VIRTPLAN-GUEST devices"); }));
  lab.run("virsh -q attach-disk --domain " + name + " --source " +
          shell_quote(lab.boot_dir() + "/extra.img") + " --target vdb --targetbus virtio --live >/dev/null");
  CHECK(wait_until(30s, [&] { return lab.serial_has("VIRTPLAN-GUEST hotplug add vda"); }));
  auto unplug = Clock::now();
  lab.run("virsh -q detach-disk --domain " + name + " --target vdb --live >/dev/null");
  CHECK(wait_until(
      30s, [&] { return lab.run("virsh -q domblklist --domain " + name).find("vdb") == std::string::npos; }));
  double unplug_seconds = seconds_since(unplug);
  CHECK(wait_until(30s, [&] { return lab.serial_has("VIRTPLAN-GUEST hotplug remove vda"); }));

  // ACPI power button -> busybox acpid -> poweroff.
  auto shutdown = Clock::now();
  lab.run("virsh -q shutdown --domain " + name + " >/dev/null");
  bool off = wait_until(30s, [&] {
    return lab.run("virsh -q domstate --domain " + name).find("shut off") != std::string::npos;
  });
  double off_seconds = seconds_since(shutdown);
  CHECK(off);
  CHECK(off_seconds < 20);
  CHECK(lab.serial_has("VIRTPLAN-GUEST acpi power button: powering off"));

  WARN("lab guest timings: virsh start "
       << start_seconds << " s, DHCP address " << lease_seconds << " s after start, user-data printed "
       << seed_seconds << " s, disk unplug " << unplug_seconds << " s, shutdown " << off_seconds << " s");
}
