// Issue 17 item 3: the interface, CPU and firmware keys on a lab host
// (libvirt 9.0, TCG domains without an OS):
//   - a macvtap NIC (`type: direct`) on a veth of the lab host's own
//     namespace and an MTU start; the plan is then empty; a macvtap mode or
//     MTU change plans a restart and apply restarts (another QEMU process);
//   - bandwidth plans live (domiftune): this kernel has no sfq qdisc, so
//     domiftune fails and apply leaves the config as it was (the change stays
//     pending, nothing restarted);
//   - VLANs and an Open vSwitch port (this kernel has neither OVS nor a VLAN
//     connection libvirt starts) and bandwidth are defined on a stopped domain:
//     dumpxml shows them, the plan is empty, a change plans `config` and apply
//     redefines;
//   - CPU custom + model, topology and features start under TCG; host-passthrough
//     (which TCG cannot run) is defined stopped;
//   - UEFI with secure boot and the Microsoft-keys NVRAM template starts;
//   - a domain made by hand with all of them imports into YAML after which
//     the plan is empty, and a stack without the keys keeps them through a
//     memory change.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::HandMade;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::plan_of;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

// 64 MiB unless `keys` gives the memory; no OS to shut down, so a restart
// forces the domain off after 1 s.
std::string nc_stack(const LabEnv& env, const std::string& tag, const std::string& keys) {
  return fmt::format(
      "stack: nc-{0}\nhosts:\n{1}"
      "domains:\n  d-{0}:\n    host: {2}\n{3}    virt_type: qemu\n    shutdown_timeout: 1s\n{4}",
      tag, host_block(env, 0), env.hosts[0].name, has(keys, "memory:") ? "" : "    memory: 64MiB\n", keys);
}

// The same stack with its domain and stack renamed (d-TAG -> d-TAGa).
std::string nc_renamed(std::string text, const std::string& tag) {
  for (const std::string& from : {"d-" + tag + ":", "nc-" + tag + "\n"}) {
    auto at = text.find(from);
    if (at != std::string::npos) text.insert(at + from.size() - 1, "a");
  }
  return text;
}

// A veth pair inside the lab host's namespace: the macvtap NIC's host device.
struct NcHostVeth {
  const LabEnv& env;
  std::string name;
  NcHostVeth(const LabEnv& e, const std::string& n) : env(e), name(n) {
    env.run_in(0, fmt::format("ip link add {0} type veth peer name {0}p && ip link set {0} up && "
                              "ip link set {0}p up",
                              name));
  }
  ~NcHostVeth() {
    try {
      env.run_in(0, fmt::format("ip link del {} >/dev/null 2>&1; true", name));
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE(
    "NIC keys on a running domain: a macvtap NIC and an MTU start, a mode or MTU change restarts, bandwidth "
    "plans live through domiftune") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('n');
  const NcHostVeth veth(env, "vm" + tag);
  auto nics = [&](const std::string& mode, int mtu, const std::string& bandwidth) {
    return fmt::format(
        "    interfaces:\n"
        "      - {{type: direct, source_dev: {0}, mode: {1}, mac: \"52:54:00:4e:00:01\"}}\n"
        "      - {{bridge: {0}b, mac: \"52:54:00:4e:00:02\", mtu: {2}{3}}}\n",
        veth.name, mode, mtu, bandwidth);
  };
  // The second NIC sits on a Linux bridge of the lab host's own.
  env.run_in(0, fmt::format("ip link add {0}b type bridge && ip link set {0}b up", veth.name));
  const std::string stack = write_stack(nc_stack(env, tag, nics("bridge", 1400, "")));
  StackCleanup cleanup{env, stack, fmt::format("ip link del {}b", veth.name)};
  apply_stack(stack, nc_stack(env, tag, nics("bridge", 1400, "")));
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  CHECK(probe.config("//interface[@type='direct']/source/@dev") == veth.name);
  CHECK(probe.config("//interface[@type='direct']/source/@mode") == "bridge");
  CHECK(probe.live("//interface[@type='direct']/target/@dev").starts_with("macvtap"));
  CHECK(probe.config("//interface[@type='bridge']/mtu/@size") == "1400");
  const std::string tap = probe.live("//interface[@type='bridge']/target/@dev");
  CHECK(has(env.run_in(0, "ip link show " + tap), "mtu 1400"));
  const std::string pid = probe.pid();

  SECTION("the macvtap mode and the MTU: a restart") {
    const std::string changed = nc_stack(env, tag, nics("vepa", 1300, ""));
    CHECK(has(plan_of(stack, changed), "(0 live, 1 restart)"));
    apply_stack(stack, changed);
    CHECK(probe.pid() != pid);
    CHECK(probe.live("//interface[@type='direct']/source/@mode") == "vepa");
    CHECK(probe.live("//interface[@type='bridge']/mtu/@size") == "1300");
  }

  SECTION("bandwidth: planned live; domiftune needs the sfq qdisc this kernel lacks, so nothing changes") {
    const std::string changed =
        nc_stack(env, tag, nics("bridge", 1400, ", bandwidth: {inbound: {average: 1000, burst: 256}}"));
    CHECK(has(plan_of(stack, changed), "(1 live, 0 restart)"));
    const auto run = run_virtplan("apply --auto-approve -f " + stack);
    INFO(run.output);
    CHECK(run.status != 0);
    CHECK(has(run.output, "domiftune"));
    CHECK(probe.pid() == pid);
    CHECK(probe.config("count(//bandwidth)") == "0");
    CHECK(has(plan_of(stack, changed), "(1 live, 0 restart)"));
  }
}

TEST_CASE(
    "NIC keys libvirt defines but this kernel cannot start: VLANs, an Open vSwitch port and bandwidth on a "
    "stopped domain, the plan empty, a VLAN change and a bandwidth change planned config (a redefine)") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('q');
  auto nics = [&](int average, int tag_id = 42) {
    return fmt::format(
        "    state: stopped\n"
        "    interfaces:\n"
        "      - {{bridge: vq{0}, mac: \"52:54:00:4f:00:01\", virtualport: {{type: openvswitch, profileid: web}},"
        " vlan: {{tags: [10, 20], native: 10, native_mode: untagged}}}}\n"
        "      - {{type: direct, source_dev: vq{0}, mode: passthrough, mac: \"52:54:00:4f:00:02\", vlan: {2}}}\n"
        "      - {{bridge: vq{0}, mac: \"52:54:00:4f:00:03\", bandwidth: {{inbound: {{average: {1}, peak: 2000,"
        " burst: 512}}, outbound: {{average: 128}}}}}}\n",
        tag, average, tag_id);
  };
  const std::string stack = write_stack(nc_stack(env, tag, nics(1000)));
  StackCleanup cleanup{env, stack};
  apply_stack(stack, nc_stack(env, tag, nics(1000)));
  Probe probe{env, "d-" + tag};
  CHECK(probe.state() == "shut off");
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:01']/virtualport/@type") == "openvswitch");
  // libvirt fills in an interfaceid; the stack, which gives none, still plans empty (apply_stack()).
  CHECK(
      probe.config(
          "string-length(//interface[mac/@address='52:54:00:4f:00:01']/virtualport/parameters/@interfaceid)") ==
      "36");
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:01']/vlan/@trunk") == "yes");
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:01']/vlan/tag[@id='10']/@nativeMode") ==
        "untagged");
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:02']/vlan/tag/@id") == "42");
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:03']/bandwidth/inbound/@peak") == "2000");

  // A VLAN change is restart-class: on a stopped domain, config.
  const std::string tagged = nc_stack(env, tag, nics(1000, 43));
  CHECK(has(plan_of(stack, tagged), "(0 live, 1 config, 0 restart)"));
  apply_stack(stack, tagged);
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:02']/vlan/tag/@id") == "43");
  // Bandwidth is live-class, but a stopped domain has nothing live to change:
  // the plan says config, and the redefine is all apply does.
  const std::string limited = nc_stack(env, tag, nics(3000, 43));
  CHECK(has(plan_of(stack, limited), "(0 live, 1 config, 0 restart)"));
  apply_stack(stack, limited);
  CHECK(probe.config("//interface[mac/@address='52:54:00:4f:00:03']/bandwidth/inbound/@average") == "3000");
  CHECK(probe.state() == "shut off");
}

TEST_CASE(
    "CPU keys: custom model, topology and features start under TCG, a feature change restarts, "
    "host-passthrough is defined stopped") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('c');
  auto cpu = [&](const std::string& disable) {
    return fmt::format(
        "    vcpus: 4\n"
        "    cpu:\n      mode: custom\n      model: qemu64\n"
        "      topology: {{sockets: 1, cores: 2, threads: 2}}\n"
        "      features: {{require: [sse4.2], disable: [{}]}}\n",
        disable);
  };
  const std::string stack = write_stack(nc_stack(env, tag, cpu("svm")));
  StackCleanup cleanup{env, stack};
  apply_stack(stack, nc_stack(env, tag, cpu("svm")));
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  CHECK(probe.config("//cpu/topology/@cores") == "2");
  CHECK(probe.config("//cpu/topology/@threads") == "2");
  CHECK(probe.config("//cpu/feature[@name='sse4.2']/@policy") == "require");
  CHECK(probe.config("//cpu/feature[@name='svm']/@policy") == "disable");
  const std::string pid = probe.pid();

  const std::string changed = nc_stack(env, tag, cpu("svm, x2apic"));
  CHECK(has(plan_of(stack, changed), "(0 live, 1 restart)"));
  apply_stack(stack, changed);
  CHECK(probe.pid() != pid);
  CHECK(probe.live("//cpu/feature[@name='x2apic']/@policy") == "disable");

  // QEMU runs host-passthrough ("-cpu host") only with KVM: under TCG a stopped domain.
  const std::string passthrough =
      nc_stack(env, tag,
               "    vcpus: 2\n    state: stopped\n    cpu:\n      mode: host-passthrough\n"
               "      topology: {sockets: 1, cores: 1, threads: 2}\n      features: {disable: [vmx]}\n");
  apply_stack(stack, passthrough);
  CHECK(probe.state() == "shut off");
  CHECK(probe.config("//cpu/@mode") == "host-passthrough");
  CHECK(probe.config("//cpu/feature[@name='vmx']/@policy") == "disable");
}

TEST_CASE("UEFI secure boot with the Microsoft-keys NVRAM template starts under TCG and plans empty") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('u');
  const std::string keys =
      "    memory: 256MiB\n    firmware: uefi\n"
      "    uefi: {secure_boot: true, loader: /usr/share/OVMF/OVMF_CODE_4M.secboot.fd,\n"
      "           nvram_template: /usr/share/OVMF/OVMF_VARS_4M.ms.fd}\n";
  const std::string text = nc_stack(env, tag, keys);
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, text);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  CHECK(probe.config("//os/loader") == "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
  CHECK(probe.config("//os/loader/@secure") == "yes");
  CHECK(probe.config("//os/nvram/@template") == "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  CHECK(probe.config("//features/smm/@state") == "on");
  const std::string pid = probe.pid();

  SECTION("secure boot off: a restart, with the same firmware file") {
    std::string off = text;
    off.replace(off.find("secure_boot: true"), 17, "secure_boot: false");
    CHECK(has(plan_of(stack, off), "(0 live, 1 restart)"));
    apply_stack(stack, off);
    CHECK(probe.pid() != pid);
    CHECK(probe.live("//os/loader/@secure") == "no");
  }

  SECTION("firmware autoselection with secure boot: libvirt picks OVMF with Microsoft's keys enrolled") {
    const std::string autoselect =
        nc_stack(env, tag, "    memory: 256MiB\n    firmware: uefi\n    uefi: {secure_boot: true}\n");
    // Another domain: the loader of one defined with a path stays its own.
    const std::string other = write_stack(nc_renamed(autoselect, tag));
    StackCleanup other_cleanup{env, other};
    apply_stack(other, nc_renamed(autoselect, tag));
    Probe auto_probe{env, "d-" + tag + "a"};
    REQUIRE(auto_probe.state() == "running");
    CHECK(auto_probe.config("//os/@firmware") == "efi");
    CHECK(auto_probe.config("//os/firmware/feature[@name='secure-boot']/@enabled") == "yes");
    CHECK(auto_probe.live("//os/loader/@secure") == "yes");
    CHECK(has(auto_probe.live("//os/nvram/@template"), "OVMF_VARS_4M.ms.fd"));
  }
}

TEST_CASE(
    "NIC, CPU and UEFI keys: a domain made by hand imports into YAML after which the plan is empty, and a "
    "stack without the keys keeps them through a memory change") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("x{}", getpid() % 100000));
  made.remove(env);
  const std::string xml = fmt::format(
      "<domain type='qemu'><name>{0}</name><memory unit='MiB'>64</memory><vcpu>4</vcpu>"
      "<os><type arch='x86_64' machine='q35'>hvm</type>"
      "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>"
      "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'/></os>"
      "<features><acpi/><apic/><smm state='on'/></features>"
      "<cpu mode='custom' match='exact' check='partial'><model fallback='allow'>qemu64</model>"
      "<topology sockets='2' cores='2' threads='1'/><feature policy='disable' name='svm'/>"
      "<feature policy='optional' name='pcid'/></cpu><devices>"
      "<interface type='direct'><mac address='52:54:00:50:00:01'/><source dev='eth9' mode='private'/>"
      "<model type='virtio'/><bandwidth><inbound average='500'/></bandwidth></interface>"
      "<interface type='bridge'><mac address='52:54:00:50:00:02'/><source bridge='br9'/>"
      "<virtualport type='openvswitch'/><vlan><tag id='7'/></vlan><model type='virtio'/><mtu size='1400'/>"
      "</interface>"
      "</devices></domain>",
      made.domain);
  const auto dir = HandMade::stack_dir(env, "inc-" + made.tag);
  virtplan::lab::import_hand_made_domain(
      env, made, xml, dir,
      {"type: direct", "source_dev: eth9", "mode: private", "mtu: 1400", "average: 500", "type: openvswitch",
       "interfaceid:", "vlan: 7", "sockets: 2", "- svm", "secure_boot: true",
       "loader: /usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
       "nvram_template: /usr/share/OVMF/OVMF_VARS_4M.ms.fd"});

  // The same domain in a stack that leaves every one of the keys out.
  std::ofstream(dir / "domain.yaml") << fmt::format(
      "domains:\n  {}:\n    host: {}\n    vcpus: 4\n    memory: 96MiB\n    virt_type: qemu\n    firmware: uefi\n"
      "    state: stopped\n    interfaces:\n      - {{type: direct, source_dev: eth9, mode: private, mac: "
      "\"52:54:00:50:00:01\"}}\n      - {{bridge: br9, mac: \"52:54:00:50:00:02\"}}\n",
      made.domain, env.hosts[0].name);
  const auto applied_run = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(applied_run.output);
  CHECK(applied_run.status == 0);
  Probe probe{env, made.domain};
  CHECK(probe.config("//memory") == "98304");
  CHECK(probe.config("//interface[@type='bridge']/mtu/@size") == "1400");
  CHECK(probe.config("//interface[@type='direct']/bandwidth/inbound/@average") == "500");
  CHECK(probe.config("//interface[@type='bridge']/vlan/tag/@id") == "7");
  CHECK(probe.config("//interface[@type='bridge']/virtualport/@type") == "openvswitch");
  CHECK(probe.config("//cpu/topology/@sockets") == "2");
  CHECK(probe.config("//cpu/@check") == "partial");
  CHECK(probe.config("//cpu/feature[@name='pcid']/@policy") == "optional");
  CHECK(probe.config("//os/nvram/@template") == "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  CHECK(probe.config("//os/loader/@secure") == "yes");
  virtplan::lab::check_plan_empty(dir);
  env.run_in(0, fmt::format("virsh -q undefine --nvram {} >/dev/null 2>&1; true", shell_quote(made.domain)));
  made.remove(env);
  std::filesystem::remove_all(dir);
}
