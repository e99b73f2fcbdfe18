// wait_for_address against a scripted host: which virsh commands it runs,
// how it reads their output, the fake clock's timeout, and its messages.

#include "kvm/domain_address_wait.h"

#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace {

using namespace std::chrono_literals;
using virtplan::kvm::AddressWaitOptions;
using virtplan::kvm::dhcp_leases;
using virtplan::kvm::DhcpLease;
using virtplan::kvm::domain_addresses;
using virtplan::kvm::DomainAddress;
using virtplan::kvm::wait_for_address;
using virtplan::providers::Command;
using virtplan::providers::CommandOutput;
using virtplan::providers::ErrorCode;
using virtplan::providers::FakeTransport;
using virtplan::providers::Result;
using virtplan::providers::VirshRunner;

const std::string k_address_iflist =
    " vnet3      network   lan       virtio   52:54:00:AA:00:01\n"
    " vnet4      bridge    br0       virtio   52:54:00:aa:00:02\n";
const std::string k_address_leases =
    " 2026-11-26 02:37:14   52:54:00:bb:00:09   ipv4   192.168.177.60/24   other   -\n"
    " 2026-11-26 02:37:14   52:54:00:aa:00:01   ipv4   192.168.177.50/24   -       01:52:54:00:aa:00:01\n";

// A host whose answers are looked up by virsh subcommand; `rounds` counts
// the domstate calls, and leases appear from round `lease_round` on, with
// `early_leases` before.
struct Host {
  FakeTransport fake{"lab1"};
  std::map<std::string, CommandOutput> answers;
  int rounds = 0;
  int lease_round = 1;
  std::string early_leases;

  Host() {
    answers["domstate"] = {0, "running\n\n", ""};
    answers["domiflist"] = {0, k_address_iflist, ""};
    answers["domifaddr-lease"] = {0, "", ""};
    answers["domifaddr-agent"] = {
        1, "", "error: Guest agent is not responding: QEMU guest agent is not connected\n"};
    fake.respond_with([this](const Command& command) -> Result<CommandOutput> {
      const std::string line = virtplan::providers::shell_join(command.argv);
      for (const auto& [key, answer] : answers) {
        std::string sub = key.substr(0, key.find('-'));
        if (line.find(" " + sub + " ") == std::string::npos) continue;
        if (key.find('-') != std::string::npos &&
            line.find(key.substr(key.find('-') + 1)) == std::string::npos) {
          continue;
        }
        if (sub == "domstate") ++rounds;
        return answer;
      }
      if (line.find(" net-dhcp-leases ") != std::string::npos) {
        return CommandOutput{0, rounds >= lease_round ? k_address_leases : early_leases, ""};
      }
      return std::unexpected(virtplan::providers::Error(ErrorCode::other, "unexpected: " + line));
    });
  }
};

// A clock that moves only when the wait sleeps.
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  std::vector<std::chrono::milliseconds> sleeps;
  AddressWaitOptions options(std::chrono::milliseconds timeout) {
    AddressWaitOptions o;
    o.timeout = timeout;
    o.interval = 2s;
    o.now = [this] { return now; };
    o.sleep = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
    return o;
  }
};

}  // namespace

TEST_CASE("wait_for_address returns the lease of the domain's MAC from its network, once there is one") {
  Host host;
  host.lease_round = 3;
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto found = wait_for_address(virsh, "web", "domain.web@lab1", clock.options(120s));
  REQUIRE(found);
  CHECK(*found == std::vector<DomainAddress>{{"52:54:00:aa:00:01", "192.168.177.50", "network lan"}});
  CHECK(host.rounds == 3);
  CHECK(clock.sleeps == std::vector<std::chrono::milliseconds>{2s, 2s});
  // The network comes from domiflist and goes to virsh as an option value.
  bool asked = false;
  for (const auto& command : host.fake.commands()) {
    asked = asked || virtplan::providers::shell_join(command.argv).find("net-dhcp-leases --network lan") !=
                         std::string::npos;
  }
  CHECK(asked);
}

TEST_CASE("wait_for_address falls back to domifaddr, skipping loopback and link-local addresses") {
  Host host;
  host.lease_round = 1000;
  host.answers["domifaddr-agent"] = {0,
                                     " lo     00:00:00:00:00:00   ipv4   127.0.0.1/8\n"
                                     " eth0   52:54:00:aa:00:02   ipv4   169.254.3.3/16\n"
                                     " -      -                   ipv4   10.0.0.7/24\n"
                                     " -      -                   ipv6   fe80::1/64\n",
                                     ""};
  VirshRunner virsh(host.fake, "qemu:///system");
  auto found = domain_addresses(virsh, "web");
  REQUIRE(found);
  CHECK(*found == std::vector<DomainAddress>{{"52:54:00:aa:00:02", "10.0.0.7", "agent"}});
}

TEST_CASE("wait_for_address times out with what it watched, and leaves the domain alone") {
  Host host;
  host.lease_round = 1000;
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto found = wait_for_address(virsh, "web", "domain.web@lab1", clock.options(5s));
  REQUIRE_FALSE(found);
  CHECK(found.error().code() == ErrorCode::timeout);
  CHECK(
      found.error().message() ==
      "domain.web@lab1: no IP address after 5 s (watched the DHCP leases of network lan and the guest agent); "
      "the guest may not have booted, or does not ask for DHCP; the domain was left running");
  // 2 s, 2 s, then the 1 s left: never past the deadline.
  CHECK(clock.sleeps == std::vector<std::chrono::milliseconds>{2s, 2s, 1s});
  for (const auto& command : host.fake.commands()) {
    std::string line = virtplan::providers::shell_join(command.argv);
    CHECK(line.find(" destroy ") == std::string::npos);
  }
}

TEST_CASE("wait_for_address fails at once for a domain that is not running or does not exist") {
  Host host;
  host.answers["domstate"] = {0, "shut off\n\n", ""};
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto off = wait_for_address(virsh, "web", "domain.web@lab1", clock.options(120s));
  REQUIRE_FALSE(off);
  CHECK(
      off.error().message() ==
      "domain.web@lab1: waiting for an IP address: the domain is shut off, not running; it will not get one");
  CHECK(clock.sleeps.empty());

  host.answers["domstate"] = {1, "", "error: failed to get domain 'web'\n"};
  auto missing = wait_for_address(virsh, "web", "domain.web@lab1", clock.options(120s));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().starts_with("domain.web@lab1: waiting for an IP address: "));
  CHECK(missing.error().message().find("failed to get domain 'web'") != std::string::npos);
}

// The lease of the boot before a restart: the same MAC and address, and an
// expiry an hour before the one k_address_leases shows.
const DhcpLease k_old_lease{"52:54:00:aa:00:01", "192.168.177.50", "2026-11-26 01:37:14"};
const std::string k_old_lease_line =
    " 2026-11-26 01:37:14   52:54:00:aa:00:01   ipv4   192.168.177.50/24   -       01:52:54:00:aa:00:01\n";

TEST_CASE("dhcp_leases reads the leases of the domain's MACs with their expiry, also while it is off") {
  Host host;
  host.answers["domstate"] = {0, "shut off\n\n", ""};
  host.lease_round = 0;
  VirshRunner virsh(host.fake, "qemu:///system");
  auto leases = dhcp_leases(virsh, "web");
  REQUIRE(leases);
  // Not the other MAC's lease on the same network.
  CHECK(*leases == std::vector<DhcpLease>{{"52:54:00:aa:00:01", "192.168.177.50", "2026-11-26 02:37:14"}});
  CHECK(host.rounds == 0);  // domstate is not asked
}

TEST_CASE(
    "wait_for_address does not count a lease from before the start, and the one granted again ends it") {
  Host host;
  host.early_leases = k_old_lease_line;
  host.lease_round = 3;
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto options = clock.options(120s);
  options.earlier_leases = {k_old_lease};
  auto found = wait_for_address(virsh, "web", "domain.web@lab1", options);
  REQUIRE(found);
  CHECK(*found == std::vector<DomainAddress>{{"52:54:00:aa:00:01", "192.168.177.50", "network lan"}});
  CHECK(host.rounds == 3);

  // Without them, the old lease ends the wait at once: what a restart did before.
  Host old;
  old.early_leases = k_old_lease_line;
  old.lease_round = 3;
  VirshRunner old_virsh(old.fake, "qemu:///system");
  FakeClock old_clock;
  REQUIRE(wait_for_address(old_virsh, "web", "domain.web@lab1", old_clock.options(120s)));
  CHECK(old.rounds == 1);
}

TEST_CASE(
    "wait_for_address does not count domifaddr's lease of an earlier lease's MAC and address, nor a "
    "timed-out wait's old lease, and says so") {
  Host host;
  host.early_leases = k_old_lease_line;
  host.lease_round = 1000;
  host.answers["domifaddr-lease"] = {0, " vnet3   52:54:00:aa:00:01   ipv4   192.168.177.50/24\n", ""};
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto options = clock.options(5s);
  options.earlier_leases = {k_old_lease};
  auto found = wait_for_address(virsh, "web", "domain.web@lab1", options);
  REQUIRE_FALSE(found);
  CHECK(found.error().code() == ErrorCode::timeout);
  CHECK(
      found.error().message() ==
      "domain.web@lab1: no IP address after 5 s (watched the DHCP leases of network lan and the guest agent); "
      "the guest may not have booted, or does not ask for DHCP; the domain was left running (leases from before "
      "the start do not count: 192.168.177.50 until 2026-11-26 01:37:14)");

  // The guest agent's addresses are the guest's own, now: they count.
  host.answers["domifaddr-agent"] = {0, " eth0   52:54:00:aa:00:01   ipv4   192.168.177.50/24\n", ""};
  auto agent = wait_for_address(virsh, "web", "domain.web@lab1", options);
  REQUIRE(agent);
  CHECK(*agent == std::vector<DomainAddress>{{"52:54:00:aa:00:01", "192.168.177.50", "agent"}});
}

TEST_CASE("wait_for_address counts a lease that never expires: granted again, it looks the same") {
  Host host;
  host.early_leases =
      " 1970-01-01 00:00:00   52:54:00:aa:00:01   ipv4   192.168.177.50/24   -       01:52:54:00:aa:00:01\n";
  host.lease_round = 1000;
  VirshRunner virsh(host.fake, "qemu:///system");
  FakeClock clock;
  auto options = clock.options(120s);
  options.earlier_leases = {{"52:54:00:aa:00:01", "192.168.177.50", "1970-01-01 00:00:00"}};
  auto found = wait_for_address(virsh, "web", "domain.web@lab1", options);
  REQUIRE(found);
  CHECK(*found == std::vector<DomainAddress>{{"52:54:00:aa:00:01", "192.168.177.50", "network lan"}});
  CHECK(host.rounds == 1);
}
