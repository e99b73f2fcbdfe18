// The domain actuator against a real lab host over real SSH, driven the way
// apply drives it (ActuatorHarness: real loader, observer, diff). From
// nothing to running; drift made by hand with virsh restored; live changes
// that keep the domain in the same QEMU process (same domain id and pid) and
// show in both the live and the inactive XML, walking every rule of the
// domain's field rules the lab can (kvm/domain_field_rules.h); restart-class
// changes that restart it exactly once, or, with `restart: never`, not at
// all while the plan keeps listing them; destroy that leaves nothing.
//
// Domains are TCG guests without an OS (128 MiB): SCSI disks attach and
// detach without a guest's help; a graceful shutdown never completes, so the
// restart tests use a domain actuator with a 2 s shutdown timeout.

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "providers/xml/document.h"
#include "tests/lab/actuator_harness.h"
#include "tests/lab/actuator_scratch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <set>
#include <string_view>

using namespace virtplan;
using lab::ActuatorHarness;
using lab::LabEnv;
using lab::network_yaml;
using lab::Probe;
using lab::Scratch;
using lab::stack_yaml;
using lab::tag;
using Lines = std::vector<std::string>;

namespace {

kvm::DomainTiming short_timeouts() {
  kvm::DomainTiming timing;
  timing.shutdown_timeout = std::chrono::seconds(2);
  timing.detach_timeout = std::chrono::seconds(5);
  return timing;
}

}  // namespace

TEST_CASE("domain and network actuators: create from nothing, restore drift, destroy") {
  const LabEnv env = lab::require_lab();
  const std::string t = tag();
  Scratch scratch(env, t);
  const std::string host = env.hosts[0].name;
  const std::string domains = fmt::format(
      // No OS answers ACPI: the destroy at the end forces it off after 1 s.
      "  d-{0}:\n    host: {1}\n    vcpus: {{current: 1, max: 2}}\n    memory: 128MiB\n    autostart: true\n"
      "    shutdown_timeout: 1s\n"
      "    interfaces: [{{network: n-{0}, mac: \"52:54:00:81:00:10\"}}]\n",
      t, host);
  const std::string yaml = stack_yaml(env, t, network_yaml(env, "n-" + t, "vpd" + t, 1), domains);
  ActuatorHarness harness(yaml);

  auto first = harness.plan();
  REQUIRE(first.errors.empty());
  REQUIRE(first.plan.summary().add == 2);
  harness.apply(first.plan);
  CHECK(harness.pending() == Lines{});

  Probe probe{env, "d-" + t};
  CHECK(probe.state() == "running");
  // virt_type auto: KVM where the host's libvirt offers it, else TCG.
  CHECK(probe.config("string(/domain/@type)") == (env.hosts[0].kvm ? "kvm" : "qemu"));
  CHECK(probe.virsh("dominfo d-" + t).find("Autostart:      enable") != std::string::npos);
  CHECK(probe.virsh("net-dumpxml n-" + t).find("52:54:00:81:00:10") != std::string::npos);

  // Drift by hand: memory, power, autostart, a DHCP host.
  env.run_in(
      0, fmt::format("virsh -q setmaxmem d-{0} 262144 --config && virsh -q destroy d-{0} && "
                     "virsh -q autostart --disable d-{0} && virsh -q net-update n-{0} delete ip-dhcp-host "
                     "\"<host mac='52:54:00:81:00:10' name='web' ip='10.81.1.10'/>\" --live --config",
                     t));
  auto drifted = harness.pending();
  std::string shown = fmt::format("{}", fmt::join(drifted, "\n"));
  CHECK(shown.find("/memory/max") != std::string::npos);
  CHECK(shown.find("/state") != std::string::npos);
  CHECK(shown.find("/autostart") != std::string::npos);
  CHECK(shown.find("/ipv4/dhcp/hosts/52:54:00:81:00:10") != std::string::npos);
  harness.converge();
  CHECK(harness.pending() == Lines{});
  CHECK(probe.state() == "running");
  CHECK(probe.config("string(/domain/memory)") == "131072");
  CHECK(probe.virsh("net-dumpxml n-" + t).find("52:54:00:81:00:10") != std::string::npos);

  // Destroy: the same stack with nothing declared.
  ActuatorHarness empty(fmt::format("stack: act-{}\nhosts:\n{}", t, lab::lab_host_yaml(env, 0)));
  REQUIRE(empty.plan().plan.summary().destroy == 2);
  empty.converge();
  CHECK(empty.pending() == Lines{});
  CHECK(env.run_in(0, "virsh -q list --all --name").find("d-" + t) == std::string::npos);
  CHECK(env.run_in(0, "virsh -q net-list --all --name").find("n-" + t) == std::string::npos);
}

TEST_CASE("domain live changes keep the same QEMU process and show in live and inactive XML") {
  const LabEnv env = lab::require_lab();
  const std::string t = tag();
  Scratch scratch(env, t);
  scratch.volumes({"a", "b", "m1", "m2"});
  const std::string host = env.hosts[0].name;
  const std::string networks =
      network_yaml(env, "n-" + t, "vpd" + t, 2) + network_yaml(env, "o-" + t, "vpo" + t, 3, false);
  // Everything a live change below touches, as a template.
  auto domain = [&](const std::string& vcpus, const std::string& memory, const std::string& extra_disk,
                    const std::string& media, const std::string& extra_nic, const std::string& title) {
    return fmt::format(
        "  d-{0}:\n    host: {1}\n    vcpus: {2}\n    memory: {3}\n    hotplug_slots: 2\n{6}"
        "    disks:\n      - {{volume: a, pool: p-{0}, format: raw, target: sda, bus: scsi}}\n{4}"
        "      - {{cdrom: true, volume: {5}, pool: p-{0}, format: raw, target: sdc, bus: sata}}\n"
        "    interfaces:\n      - {{network: n-{0}, mac: \"52:54:00:81:00:10\"}}\n{7}",
        t, host, vcpus, memory, extra_disk, media, title, extra_nic);
  };
  const std::string base_vcpus = "{current: 1, max: 2}";
  const std::string base_memory = "{current: 128MiB, max: 128MiB}";
  auto stack = [&](const std::string& d) { return stack_yaml(env, t, networks, d); };

  ActuatorHarness(stack(domain(base_vcpus, base_memory, "", "m1", "", ""))).converge();
  Probe probe{env, "d-" + t};
  REQUIRE(probe.state() == "running");
  const std::string id = probe.id();
  const std::string pid = probe.pid();

  // The domain's field rules each step's plan used: every rule that is not
  // a restart must be walked here (the table test in tests/cli walks them
  // against a fake host; this one proves QEMU keeps running).
  std::set<const providers::FieldRule*> walked;
  auto step = [&](const std::string& what, const std::string& yaml) {
    INFO(what);
    ActuatorHarness harness(stack(yaml));
    auto planned = harness.plan();
    for (const auto& e : planned.errors) FAIL(e);
    for (const auto& change : planned.plan.changes()) {
      if (change.id.kind != "domain") continue;
      for (const auto& f : change.fields) {
        INFO(f.path);
        CHECK(f.impact <= providers::Impact::live);
        walked.insert(&kvm::domain_field_rules().rule_for(f.path, f.before, f.after));
      }
    }
    auto warnings = harness.apply(planned.plan);
    for (const auto& [address, list] : warnings) CHECK(list == Lines{});
    CHECK(harness.pending() == Lines{});
    CHECK(probe.id() == id);
    CHECK(probe.pid() == pid);
  };

  step("vCPUs up to the maximum", domain("{current: 2, max: 2}", base_memory, "", "m1", "", ""));
  CHECK(probe.virsh("vcpucount d-" + t + " --live --active") == "2");
  // With current == max libvirt writes <vcpu>2</vcpu> and drops current=.
  CHECK(probe.config("string(/domain/vcpu)") == "2");
  CHECK(probe.config("string(/domain/vcpu/@current)") != "1");

  // The balloon target: without a guest driver the live <currentMemory>
  // shows what the balloon holds, not the target (libvirt-facts.md), so the
  // live side is checked through dominfo's "Used memory" only when it moved.
  step("memory within the maximum",
       domain("{current: 2, max: 2}", "{current: 96MiB, max: 128MiB}", "", "m1", "", ""));
  CHECK(probe.config("string(/domain/currentMemory)") == "98304");

  // From here on the vCPUs and memory stay as set: taking a vCPU away live
  // needs a guest that cooperates.
  const std::string v2 = "{current: 2, max: 2}";
  const std::string m96 = "{current: 96MiB, max: 128MiB}";
  const std::string with_sdb =
      fmt::format("      - {{volume: b, pool: p-{}, format: raw, target: sdb, bus: scsi}}\n", t);
  step("a SCSI disk attached", domain(v2, m96, with_sdb, "m1", "", ""));
  // By path: the scratch pool is a directory (kvm/disk_sources.h).
  CHECK(probe.live("string(//disk[target/@dev='sdb']/source/@file)").ends_with("/p-" + t + "/b"));
  CHECK(probe.config("string(//disk[target/@dev='sdb']/source/@file)").ends_with("/p-" + t + "/b"));

  step("the SCSI disk detached", domain(v2, m96, "", "m1", "", ""));
  CHECK(probe.live("count(//disk[target/@dev='sdb'])") == "0");
  CHECK(probe.config("count(//disk[target/@dev='sdb'])") == "0");

  step("CD-ROM media changed", domain(v2, m96, "", "m2", "", ""));
  CHECK(probe.live("string(//disk[target/@dev='sdc']/source/@file)").ends_with("/p-" + t + "/m2"));
  CHECK(probe.config("string(//disk[target/@dev='sdc']/source/@file)").ends_with("/p-" + t + "/m2"));

  const std::string nic = fmt::format("      - {{network: {}-{}, mac: \"52:54:00:81:00:11\"}}\n", "n", t);
  step("a NIC attached", domain(v2, m96, "", "m2", nic, ""));
  CHECK(probe.live("string(//interface[mac/@address='52:54:00:81:00:11']/source/@network)") == "n-" + t);
  CHECK(probe.config("string(//interface[mac/@address='52:54:00:81:00:11']/source/@network)") == "n-" + t);

  const std::string moved = fmt::format("      - {{network: o-{}, mac: \"52:54:00:81:00:11\"}}\n", t);
  step("the NIC moved to another network", domain(v2, m96, "", "m2", moved, ""));
  CHECK(probe.live("string(//interface[mac/@address='52:54:00:81:00:11']/source/@network)") == "o-" + t);
  CHECK(probe.config("string(//interface[mac/@address='52:54:00:81:00:11']/source/@network)") == "o-" + t);
  CHECK(probe.live("string(//interface[mac/@address='52:54:00:81:00:11']/source/@bridge)") == "vpo" + t);

  step("title and description",
       domain(v2, m96, "", "m2", moved, "    title: web server\n    description: serves the web\n"));
  CHECK(probe.live("string(/domain/title)") == "web server");
  CHECK(probe.config("string(/domain/title)") == "web server");
  CHECK(probe.live("string(/domain/description)") == "serves the web");
  CHECK(probe.config("string(/domain/description)") == "serves the web");

  const std::string keys = "    title: web server\n    description: serves the web\n    autostart: true\n";
  step("autostart", domain(v2, m96, "", "m2", moved, keys));
  CHECK(probe.virsh("dominfo d-" + t).find("Autostart:      enable") != std::string::npos);

  const std::string down =
      fmt::format("      - {{network: o-{}, mac: \"52:54:00:81:00:11\", link: down}}\n", t);
  step("the NIC's link down", domain(v2, m96, "", "m2", down, keys));
  CHECK(probe.live("string(//interface[mac/@address='52:54:00:81:00:11']/link/@state)") == "down");

  // A NIC on a host bridge (the lab network's), then moved to another.
  auto bridged = [&](const std::string& bridge) {
    return fmt::format("      - {{bridge: {}, mac: \"52:54:00:81:00:12\"}}\n", bridge);
  };
  step("a bridge NIC attached", domain(v2, m96, "", "m2", down + bridged("vpd" + t), keys));
  step("its bridge changed", domain(v2, m96, "", "m2", down + bridged("vpo" + t), keys));
  CHECK(probe.live("string(//interface[mac/@address='52:54:00:81:00:12']/source/@bridge)") == "vpo" + t);
  const std::string nics = down + bridged("vpo" + t);

  // virtplan's own policies: only the owner metadata changes.
  const std::string policies =
      keys + "    restart: never\n    shutdown_timeout: 30s\n    wait: {ip: true, timeout: 30s}\n";
  step("restart policy, shutdown timeout and wait", domain(v2, m96, "", "m2", nics, policies));

  step("paused", domain(v2, m96, "", "m2", nics, policies + "    state: paused\n"));
  CHECK(probe.state() == "paused");
  step("running again", domain(v2, m96, "", "m2", nics, policies + "    state: running\n"));
  CHECK(probe.state() == "running");

  // A disk's I/O limits: blkdeviotune (kvm/disk_keys.h).
  std::string tuned = domain(v2, m96, "", "m2", nics, policies + "    state: running\n");
  tuned.replace(tuned.find("target: sda"), 0, "iotune: {total_iops_sec: 100}, ");
  step("a disk's I/O limits", tuned);
  CHECK(probe.live("string(//disk[target/@dev='sda']/iotune/total_iops_sec)") == "100");
  CHECK(probe.config("string(//disk[target/@dev='sda']/iotune/total_iops_sec)") == "100");

  // Not walked here: host devices (a lab host has none to give), a NIC's
  // detach (a PCI unplug needs a guest OS that releases the device), a
  // console password (walked in tests/lab/domain_devices_test.cc), and a
  // NIC's bandwidth: domiftune needs the sfq qdisc this kernel lacks
  // (tests/lab/domain_nic_cpu_uefi_test.cc shows apply trying it and
  // keeping the config as it was).
  const auto not_in_lab = [](const providers::FieldRule& rule) {
    return std::string_view(rule.pattern) == "/hostdevs/*" ||
           std::string_view(rule.pattern) == "/graphics/password" ||
           std::string_view(rule.pattern) == "/interfaces/*/bandwidth/**" ||
           (std::string_view(rule.pattern) == "/interfaces/*" && rule.live == kvm::domain_live::detach);
  };
  for (const providers::FieldRule& rule : kvm::domain_field_rules().rules()) {
    if (rule.impact > providers::Impact::live || not_in_lab(rule)) continue;
    INFO("rule " << rule.pattern << " (" << rule.live << ")");
    CHECK(walked.contains(&rule));
  }
}

TEST_CASE("domain restart-class changes restart it once, or never with restart never") {
  const LabEnv env = lab::require_lab();
  const std::string t = tag();
  Scratch scratch(env, t);
  const std::string host = env.hosts[0].name;
  auto stack = [&](const std::string& vcpus, const std::string& memory, const std::string& restart) {
    return stack_yaml(
        env, t, network_yaml(env, "n-" + t, "vpd" + t, 4),
        fmt::format("  d-{0}:\n    host: {1}\n    vcpus: {2}\n    memory: {3}\n    restart: {4}\n"
                    "    interfaces: [{{network: n-{0}, mac: \"52:54:00:81:00:10\"}}]\n",
                    t, host, vcpus, memory, restart));
  };
  const kvm::DomainActuator quick(short_timeouts());
  Probe probe{env, "d-" + t};
  ActuatorHarness(stack("{current: 1, max: 2}", "128MiB", "if-needed")).converge();
  REQUIRE(probe.state() == "running");

  SECTION("restart never: untouched, and the plan keeps listing the change") {
    ActuatorHarness(stack("{current: 1, max: 2}", "128MiB", "never")).converge();
    const std::string id = probe.id();
    const std::string pid = probe.pid();
    ActuatorHarness harness(stack("{current: 1, max: 3}", "128MiB", "never"));
    harness.use(quick);
    auto warnings = harness.converge();
    CHECK(warnings.at(fmt::format("domain.d-{}@{}", t, host)) == Lines{"restart pending (restart: never)"});
    CHECK(probe.id() == id);
    CHECK(probe.pid() == pid);
    CHECK(probe.config("string(/domain/vcpu)") == "2");
    std::string pending = fmt::format("{}", fmt::join(harness.pending(), "\n"));
    CHECK(pending.find("/vcpus/max: 2 -> 3") != std::string::npos);
  }

  SECTION("if-needed: two restart-class fields, one restart, new values live") {
    const int starts = probe.starts();
    ActuatorHarness harness(stack("{current: 1, max: 3}", "160MiB", "if-needed"));
    harness.use(quick);
    auto warnings = harness.converge();
    CHECK(warnings.at(fmt::format("domain.d-{}@{}", t, host)) ==
          Lines{"restarted: the guest did not shut down within 2 s and was forced off"});
    CHECK(harness.pending() == Lines{});
    CHECK(probe.state() == "running");
    CHECK(probe.starts() == starts + 1);
    CHECK(probe.virsh("vcpucount d-" + t + " --maximum --live") == "3");
    CHECK(probe.live("string(/domain/memory)") == "163840");
  }
}

TEST_CASE("domain power state is enforced both ways") {
  const LabEnv env = lab::require_lab();
  const std::string t = tag();
  Scratch scratch(env, t);
  const std::string host = env.hosts[0].name;
  auto stack = [&](const std::string& state) {
    return fmt::format(
        "stack: act-{0}\nhosts:\n{2}domains:\n  d-{0}:\n    host: {1}\n    vcpus: 1\n"
        "    memory: 64MiB\n    state: {3}\n",
        t, host, lab::lab_host_yaml(env, 0), state);
  };
  const kvm::DomainActuator quick(short_timeouts());
  Probe probe{env, "d-" + t};
  for (const auto& [state, shown] :
       {std::pair{"paused", "paused"}, std::pair{"running", "running"}, std::pair{"stopped", "shut off"},
        std::pair{"paused", "paused"}, std::pair{"stopped", "shut off"}, std::pair{"running", "running"}}) {
    INFO(state);
    ActuatorHarness harness(stack(state));
    harness.use(quick);
    harness.converge();
    CHECK(probe.state() == shown);
    CHECK(harness.pending() == Lines{});
  }
}

// virt_type auto must follow each host's libvirt, not this machine: the lab's
// second host hides /dev/kvm (tests/lab/lab, VIRTPLAN_LAB_NO_KVM), so one
// domain placed on both hosts runs as KVM on the first when the machine has
// /dev/kvm and as TCG on the second whatever the machine has.
TEST_CASE("virt_type auto picks KVM where a host offers it and TCG on a host without /dev/kvm") {
  const LabEnv env = lab::require_lab(2);
  const std::string name = "vt-" + tag();
  auto remove = [&] {
    for (std::size_t i = 0; i < env.hosts.size(); ++i)
      env.run_in(
          i, fmt::format("virsh -q destroy {0} >/dev/null 2>&1; virsh -q undefine {0} >/dev/null 2>&1; true",
                         name));
  };
  remove();
  const std::string hosts = lab::lab_host_yaml(env, 0) + lab::lab_host_yaml(env, 1);
  const std::string yaml = fmt::format(
      "stack: {0}\nhosts:\n{1}domains:\n  {0}:\n    hosts: [{2}, {3}]\n    vcpus: 1\n    memory: 64MiB\n"
      "    shutdown_timeout: 1s\n",  // no OS answers ACPI: destroy forces it off after 1 s
      name, hosts, env.hosts[0].name, env.hosts[1].name);
  ActuatorHarness harness(yaml);
  harness.converge();
  CHECK(harness.pending() == Lines{});
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(env.hosts[i].name << (env.hosts[i].kvm ? " offers KVM" : " has no KVM"));
    CHECK(lab::trimmed(env.run_in(i, "virsh -q domstate " + name)) == "running");
    auto xml = providers::XmlDocument::parse(env.run_in(i, "virsh -q dumpxml --inactive " + name));
    REQUIRE(xml);
    CHECK(xml->root().xpath_string("string(/domain/@type)")->value_or("") ==
          (env.hosts[i].kvm ? "kvm" : "qemu"));
  }

  ActuatorHarness empty(fmt::format("stack: {}\nhosts:\n{}", name, hosts));
  empty.converge();
  CHECK(empty.pending() == Lines{});
  remove();
}
