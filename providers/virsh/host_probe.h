#pragma once

// HostFacts is what a host offers virtplan: its libvirt and hypervisor
// versions and whether it can run KVM guests (else domains with
// `virt_type: auto` use TCG). probe_host() reads them in one virsh round trip;
// `virtplan hosts` shows them, and a failure says exactly why a host cannot be
// used (unreachable, host key, authentication, no libvirt).

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <string>

namespace virtplan::providers {

struct HostFacts {
  std::string libvirt_version;  // "9.0.0"
  std::string hypervisor;       // "QEMU 7.2.0"
  bool kvm = false;             // a kvm domain type is offered for x86_64

  bool operator==(const HostFacts&) const = default;
};

Result<HostFacts> probe_host(const VirshRunner& virsh);

// Parses `virsh version` and `virsh capabilities` output (exposed for tests).
Result<HostFacts> parse_host_facts(const std::string& version, const std::string& capabilities);

}  // namespace virtplan::providers
