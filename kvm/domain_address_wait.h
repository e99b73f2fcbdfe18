#pragma once

// wait_for_address is `wait: {ip: true, timeout: 120s}`: after apply starts a
// domain, it polls the host until the guest has an IPv4 address, or fails
// with a timeout that says what was watched. Each round asks, through virsh:
//   domstate       a domain that is not running will never get one: fail now;
//   domiflist      the domain's MACs and the libvirt networks they are on;
//   net-dhcp-leases --network N, for each of those networks (the leases of
//                  the network's dnsmasq, matched by MAC);
//   domifaddr --source lease, then --source agent (the QEMU guest agent,
//                  when the guest runs one; its failure is not an error).
// Loopback and link-local addresses are skipped. The addresses found are
// returned sorted, by MAC then address, each with where it came from.
//
// A network keeps a lease until it expires (an hour by default), whether the
// guest still runs or not: after a restart, the lease of the boot before would
// end the wait at once, before the guest even asked for an address. So a
// caller that starts the domain reads its leases first (dhcp_leases()) and
// passes them as AddressWaitOptions::earlier_leases: those do not count; a
// lease the guest renewed (a later expiry) or a new one does. A lease that
// never expires (`<lease expiry='0'/>`; virsh prints the epoch) looks the same
// when granted again, so it cannot be told apart and counts, as before.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace virtplan::kvm {

struct DomainAddress {
  std::string mac;     // "52:54:00:aa:00:01"
  std::string ip;      // "192.168.122.50" (no prefix length)
  std::string source;  // "network default" (its DHCP leases), "lease" or "agent" (domifaddr)

  bool operator==(const DomainAddress&) const = default;
};

// A lease a network lists for one of a domain's MACs, with its expiry as
// virsh prints it (the host's local time): dnsmasq moves the expiry on at
// every grant, so a lease granted again is a different DhcpLease.
struct DhcpLease {
  std::string mac;     // "52:54:00:aa:00:01"
  std::string ip;      // "192.168.122.50"
  std::string expiry;  // "2026-11-26 02:37:14"

  auto operator<=>(const DhcpLease&) const = default;
};

struct AddressWaitOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(120);
  std::chrono::milliseconds interval = std::chrono::seconds(2);
  // The clock and the pause between rounds; tests replace them.
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  // The leases from before the start, which do not count (see above); also
  // not a domifaddr lease with the same MAC and address, since domifaddr
  // shows no expiry. The guest agent's addresses always count.
  std::vector<DhcpLease> earlier_leases;
};

// Waits until domain `name` has an IPv4 address. `address` names the domain
// in messages ("domain.web@lab1"). Fails with ErrorCode::timeout after
// options.timeout, with the error of a virsh command that kept failing, or at
// once when the domain is not running.
providers::Result<std::vector<DomainAddress>> wait_for_address(const providers::VirshRunner& virsh,
                                                               const std::string& name,
                                                               const std::string& address,
                                                               const AddressWaitOptions& options = {});

// The DHCP leases the networks of domain `name`'s interfaces hold now for its
// MACs, sorted; the domain may be shut off. A network whose leases cannot be
// read (not active) holds none.
providers::Result<std::vector<DhcpLease>> dhcp_leases(const providers::VirshRunner& virsh,
                                                      const std::string& name);

// One round, without waiting: the IPv4 addresses the host knows now (empty
// when none yet). Used by wait_for_address and by status.
providers::Result<std::vector<DomainAddress>> domain_addresses(const providers::VirshRunner& virsh,
                                                               const std::string& name);

}  // namespace virtplan::kvm
