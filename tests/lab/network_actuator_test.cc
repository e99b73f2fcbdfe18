// The network actuator against a real lab host over real SSH, with a running
// domain on the network: a DHCP host added live changes nothing for the
// domain (same QEMU process, its tap still on the bridge); a new bridge, or a
// new subnet on the same bridge, restarts the network and reconnects the
// domain's NIC, whose tap is then enslaved to the network's bridge.

#include "tests/lab/actuator_harness.h"
#include "tests/lab/actuator_scratch.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

using namespace virtplan;
using lab::ActuatorHarness;
using lab::LabEnv;
using lab::Probe;
using lab::Scratch;
using Lines = std::vector<std::string>;

namespace {

std::string stack(const LabEnv& env, const std::string& t, const std::string& bridge, int subnet,
                  const std::string& extra_lease) {
  std::string network = lab::network_yaml(env, "n-" + t, bridge, subnet);
  if (!extra_lease.empty()) {
    network.insert(network.rfind("}]"), "}, {" + extra_lease);
  }
  return lab::stack_yaml(env, t, network,
                         fmt::format("  d-{0}:\n    host: {1}\n    vcpus: 1\n    memory: 64MiB\n"
                                     "    interfaces: [{{network: n-{0}, mac: \"52:54:00:81:00:10\"}}]\n",
                                     t, env.hosts[0].name));
}

// The bridge the domain's NIC's tap is enslaved to, "" when none.
std::string tap_master(const Probe& probe) {
  std::string tap = probe.live("string(//interface[mac/@address='52:54:00:81:00:10']/target/@dev)");
  REQUIRE_FALSE(tap.empty());
  return lab::trimmed(
      probe.env.run_in(0, "basename \"$(readlink /sys/class/net/" + tap + "/master)\" 2>/dev/null; true"));
}

}  // namespace

TEST_CASE("network: a DHCP host added live changes nothing for a running domain on it") {
  const LabEnv env = lab::require_lab();
  const std::string t = lab::tag();
  Scratch scratch(env, t);
  ActuatorHarness(stack(env, t, "vpn" + t, 5, "")).converge();
  Probe probe{env, "d-" + t};
  REQUIRE(probe.state() == "running");
  const std::string id = probe.id();
  const std::string pid = probe.pid();
  REQUIRE(tap_master(probe) == "vpn" + t);

  ActuatorHarness harness(stack(env, t, "vpn" + t, 5, "mac: \"52:54:00:81:00:20\", ip: 10.81.5.20"));
  auto planned = harness.plan();
  REQUIRE(planned.plan.summary().change_live == 1);
  harness.apply(planned.plan);
  CHECK(harness.pending() == Lines{});
  // Live (dnsmasq's view) and config.
  CHECK(probe.virsh("net-dumpxml n-" + t).find("52:54:00:81:00:20") != std::string::npos);
  CHECK(probe.virsh("net-dumpxml --inactive n-" + t).find("52:54:00:81:00:20") != std::string::npos);
  CHECK(probe.id() == id);
  CHECK(probe.pid() == pid);
  CHECK(tap_master(probe) == "vpn" + t);
}

TEST_CASE("network: a new bridge or subnet restarts it and reconnects the running domain's NIC") {
  const LabEnv env = lab::require_lab();
  const std::string t = lab::tag();
  Scratch scratch(env, t);
  ActuatorHarness(stack(env, t, "vpn" + t, 6, "")).converge();
  Probe probe{env, "d-" + t};
  REQUIRE(probe.state() == "running");
  const std::string id = probe.id();
  const std::string pid = probe.pid();

  ActuatorHarness bridge(stack(env, t, "vpm" + t, 6, ""));
  REQUIRE(bridge.plan().plan.summary().change_restart == 1);
  bridge.converge();
  CHECK(bridge.pending() == Lines{});
  CHECK(tap_master(probe) == "vpm" + t);
  CHECK(probe.id() == id);
  CHECK(probe.pid() == pid);

  // Same bridge name: libvirt reconnects a tap only when the source changes.
  ActuatorHarness subnet(stack(env, t, "vpm" + t, 7, ""));
  subnet.converge();
  CHECK(subnet.pending() == Lines{});
  CHECK(tap_master(probe) == "vpm" + t);
  CHECK(probe.virsh("net-dumpxml n-" + t).find("10.81.7.1") != std::string::npos);
  CHECK(probe.id() == id);
  CHECK(probe.pid() == pid);
}
