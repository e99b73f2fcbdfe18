#pragma once

// DomainTiming is how long the domain actuator waits for a guest: a graceful
// shutdown before forcing the domain off, a device detach before saying the
// guest did not release it, and how often it looks in between (the wait for
// an IP address has the spec's own timeout).

#include <chrono>

namespace virtplan::kvm {

struct DomainTiming {
  // Used when the spec sets no `shutdown_timeout` (seconds).
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds detach_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(250)};
  // Between looks for a guest's IP address (`wait: {ip: true}`): each look
  // is a few virsh commands, over SSH on a remote host.
  std::chrono::milliseconds address_interval{std::chrono::seconds(2)};
};

}  // namespace virtplan::kvm
