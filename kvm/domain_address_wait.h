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

#include "providers/error.h"
#include "providers/virsh_runner.h"

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

struct AddressWaitOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(120);
  std::chrono::milliseconds interval = std::chrono::seconds(2);
  // The clock and the pause between rounds; tests replace them.
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
};

// Waits until domain `name` has an IPv4 address. `address` names the domain
// in messages ("domain.web@lab1"). Fails with ErrorCode::timeout after
// options.timeout, with the error of a virsh command that kept failing, or at
// once when the domain is not running.
providers::Result<std::vector<DomainAddress>> wait_for_address(const providers::VirshRunner& virsh,
                                                               const std::string& name,
                                                               const std::string& address,
                                                               const AddressWaitOptions& options = {});

// One round, without waiting: the IPv4 addresses the host knows now (empty
// when none yet). Used by wait_for_address and by status.
providers::Result<std::vector<DomainAddress>> domain_addresses(const providers::VirshRunner& virsh,
                                                               const std::string& name);

}  // namespace virtplan::kvm
