// DomainActuator and `wait: {ip: true}`: a domain the actuator starts (create,
// start from shut off, restart) ends its step only once the guest has an IPv4
// address, or fails naming domain, host and timeout; a domain it does not
// start is not waited for. The leases its MAC held before the start (read just
// before it) do not end the wait: after a restart the network still lists the
// lease of the boot before until it expires.

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_kind.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace virtplan;
using nlohmann::json;
using providers::ActuatorStep;
using providers::FieldChange;
using providers::StackObject;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

constexpr const char* k_waiting = R"(
vcpus: 1
memory: 64MiB
virt_type: qemu
interfaces: [{network: lan, mac: "52:54:00:aa:00:01"}]
wait: {ip: true, timeout: 1s}
)";

const std::string k_iflist = " vnet3      network   lan       virtio   52:54:00:aa:00:01\n";
const std::string k_leases =
    " 2026-11-26 02:37:14   52:54:00:aa:00:01   ipv4   192.168.177.50/24   web   01:52:54:00:aa:00:01\n";
// The same address with an earlier expiry: the lease of the boot before.
const std::string k_old_leases =
    " 2026-11-26 01:36:02   52:54:00:aa:00:01   ipv4   192.168.177.50/24   web   01:52:54:00:aa:00:01\n";

StackObject wait_domain(const std::string& yaml) { return kvm::test::valid_domain(yaml); }

// k_waiting with other vcpus.
std::string waiting_with_vcpus(const std::string& vcpus) {
  std::string yaml = k_waiting;
  const std::string one = "vcpus: 1";
  return yaml.replace(yaml.find(one), one.size(), "vcpus: " + vcpus);
}

kvm::DomainTiming quick_waits() {
  kvm::DomainTiming timing;
  timing.shutdown_timeout = std::chrono::milliseconds(0);
  timing.poll_interval = std::chrono::milliseconds(1);
  timing.address_interval = std::chrono::milliseconds(50);
  return timing;
}

// A running guest whose lease shows up on the second look after the start;
// there is none before (the first answer is the one read before the start).
void guest_leases_late(FakeVirshHost& host) {
  host.on("domstate --domain web", "running\n");
  host.on("domiflist --domain web", k_iflist);
  host.then("net-dhcp-leases --network lan", "");
  host.then("net-dhcp-leases --network lan", "");
  host.on("net-dhcp-leases --network lan", k_leases);
}

std::size_t count(const Lines& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

}  // namespace

TEST_CASE("domain create with wait: {ip: true} ends once the guest's lease shows, and says the address",
          "[actuator]") {
  FakeVirshHost host;
  guest_leases_late(host);
  std::vector<std::string> progress;
  ActuatorStep step{
      wait_domain(k_waiting), nullptr, {}, [&](std::string_view text) { progress.emplace_back(text); }};
  auto done = kvm::DomainActuator(quick_waits()).create(step, host.session());
  REQUIRE(done);
  const Lines& ran = host.ran();
  REQUIRE(ran.size() >= 5);
  // The leases before the start, then the start.
  CHECK(Lines(ran.begin(), ran.begin() + 4) == Lines{"define /dev/stdin", "domiflist --domain web",
                                                     "net-dhcp-leases --network lan", "start --domain web"});
  // Then two looks: the first found no lease, the second did.
  CHECK(count(ran, "net-dhcp-leases --network lan") == 3);
  CHECK(ran.back() == "net-dhcp-leases --network lan");
  REQUIRE(progress.size() == 2);
  CHECK(progress[0] == "waiting up to 1 s for an IP address");
  CHECK(progress[1].starts_with("IP address 192.168.177.50 (network lan) after "));
}

TEST_CASE("domain create with wait: {ip: true} fails after the timeout naming domain, host and timeout",
          "[actuator]") {
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.on("domiflist --domain web", k_iflist);
  auto done = kvm::DomainActuator(quick_waits())
                  .create(ActuatorStep{wait_domain(k_waiting), nullptr, {}, {}}, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().code() == providers::ErrorCode::timeout);
  CHECK(done.error().message().starts_with(
      "domain.web@lab1: no IP address after 1 s (watched the DHCP leases of "
      "network lan and the guest agent)"));
  // Started, and left running for a person to look at.
  CHECK(count(host.ran(), "start --domain web") == 1);
  CHECK(count(host.ran(), "destroy --domain web") == 0);
}

TEST_CASE("domain create without wait, or paused, does not look for an address", "[actuator]") {
  for (const std::string& yaml : {std::string("vcpus: 1\nmemory: 64MiB\nvirt_type: qemu\n"),
                                  std::string(k_waiting) + "state: paused\n"}) {
    FakeVirshHost host;
    guest_leases_late(host);
    REQUIRE(kvm::DomainActuator(quick_waits())
                .create(ActuatorStep{wait_domain(yaml), nullptr, {}, {}}, host.session()));
    CHECK(count(host.ran(), "domstate --domain web") == 0);
    CHECK(count(host.ran(), "domiflist --domain web") == 0);
    CHECK(count(host.ran(), "net-dhcp-leases --network lan") == 0);
  }
}

TEST_CASE("domain update waits for the address when it starts the domain, not when it stays up",
          "[actuator]") {
  StackObject web = wait_domain(k_waiting);
  const std::string xml = kvm::test::created_xml(web);

  // Shut off -> running: started here, so waited for.
  FakeVirshHost stopped;
  stopped.then("domstate --domain web", "shut off\n");
  guest_leases_late(stopped);
  stopped.on("dumpxml --inactive --security-info --domain web", xml);
  StackObject before_stopped = web;
  before_stopped.spec["state"] = "stopped";
  ActuatorStep start{
      web, before_stopped.spec, {FieldChange{"/state", "stopped", "running", providers::Impact::live}}, {}};
  REQUIRE(kvm::DomainActuator(quick_waits()).update(start, stopped.session()));
  CHECK(count(stopped.ran(), "start --domain web") == 1);
  CHECK(count(stopped.ran(), "net-dhcp-leases --network lan") == 3);

  // Running, a title set live: nothing started, no wait.
  FakeVirshHost running;
  guest_leases_late(running);
  running.on("dumpxml --inactive --security-info --domain web", xml);
  StackObject titled = web;
  titled.spec["title"] = "web server";
  auto title = kvm::domain_field_rules().impact("/title", nullptr, "web server");
  ActuatorStep live{titled, web.spec, {FieldChange{"/title", nullptr, "web server", title}}, {}};
  REQUIRE(kvm::DomainActuator(quick_waits()).update(live, running.session()));
  CHECK(count(running.ran(), "net-dhcp-leases --network lan") == 0);
  CHECK(count(running.ran(), "start --domain web") == 0);
}

TEST_CASE("domain create with wait: {ip: true} does not end on a lease its MAC held before the start",
          "[actuator]") {
  // A replace: the domain defined anew has the MAC of the one destroyed, whose
  // lease the network still lists.
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  host.on("domiflist --domain web", k_iflist);
  host.then("net-dhcp-leases --network lan", k_old_leases);  // before the start
  host.then("net-dhcp-leases --network lan", k_old_leases);  // the guest is still booting
  host.on("net-dhcp-leases --network lan", k_leases);        // it asked, and got it again
  std::vector<std::string> progress;
  ActuatorStep step{
      wait_domain(k_waiting), nullptr, {}, [&](std::string_view text) { progress.emplace_back(text); }};
  REQUIRE(kvm::DomainActuator(quick_waits()).create(step, host.session()));
  CHECK(count(host.ran(), "net-dhcp-leases --network lan") == 3);
  REQUIRE(progress.size() == 2);
  CHECK(progress[1].starts_with("IP address 192.168.177.50 (network lan) after "));
}

TEST_CASE("domain restart with wait: {ip: true} does not end on the lease of the boot before", "[actuator]") {
  StackObject before = wait_domain(waiting_with_vcpus("{current: 1, max: 2}"));
  StackObject after = wait_domain(waiting_with_vcpus("{current: 1, max: 4}"));
  FakeVirshHost host;
  host.then("domstate --domain web", "running\n");   // the update's look
  host.then("domstate --domain web", "running\n");   // shutting down
  host.then("domstate --domain web", "shut off\n");  // down
  host.on("domstate --domain web", "running\n");     // started again
  host.on("dumpxml --inactive --security-info --domain web", kvm::test::created_xml(before));
  host.on("domiflist --domain web", k_iflist);
  host.then("net-dhcp-leases --network lan", k_old_leases);  // read while it is off
  host.then("net-dhcp-leases --network lan", k_old_leases);  // first look after the start: still booting
  host.on("net-dhcp-leases --network lan", k_leases);        // renewed by the new boot
  kvm::DomainTiming timing = quick_waits();
  timing.shutdown_timeout = std::chrono::seconds(5);
  auto impact = kvm::domain_field_rules().impact("/vcpus/max", 2, 4);
  std::vector<std::string> progress;
  ActuatorStep step{
      after, before.spec, {FieldChange{"/vcpus/max", 2, 4, impact}}, [&](std::string_view text) {
        progress.emplace_back(text);
      }};
  auto done = kvm::DomainActuator(timing).update(step, host.session());
  INFO((done ? std::string() : done.error().message()));
  REQUIRE(done);
  const Lines& ran = host.ran();
  const auto shutdown = std::find(ran.begin(), ran.end(), "shutdown --domain web");
  const auto start = std::find(ran.begin(), ran.end(), "start --domain web");
  const auto read = std::find(ran.begin(), ran.end(), "net-dhcp-leases --network lan");
  REQUIRE(start != ran.end());
  CHECK(shutdown < read);  // read while the guest is off, so it cannot renew after
  CHECK(read < start);
  // The first look after the start saw only the old lease and went on.
  CHECK(count(ran, "net-dhcp-leases --network lan") == 3);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back().starts_with("IP address 192.168.177.50 (network lan) after "));
}

TEST_CASE("domain restart with wait: {ip: true} times out when only the old lease shows, and says so",
          "[actuator]") {
  StackObject web = wait_domain(k_waiting);
  FakeVirshHost host;
  host.then("domstate --domain web", "shut off\n");
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", kvm::test::created_xml(web));
  host.on("domiflist --domain web", k_iflist);
  host.on("net-dhcp-leases --network lan", k_old_leases);
  StackObject stopped = web;
  stopped.spec["state"] = "stopped";
  ActuatorStep start{
      web, stopped.spec, {FieldChange{"/state", "stopped", "running", providers::Impact::live}}, {}};
  auto done = kvm::DomainActuator(quick_waits()).update(start, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().code() == providers::ErrorCode::timeout);
  CHECK_THAT(done.error().message(),
             Catch::Contains(
                 "(leases from before the start do not count: 192.168.177.50 until 2026-11-26 01:36:02)"));
}
