#pragma once

// HostIdentity is what a host is, as opposed to the name a stack gives it
// (architecture.md, decision 9): the UUID libvirt reports for the host and
// the SSH host key the host proved it holds. Two `hosts:` entries that reach
// one hypervisor (`hv1` and `hv1-by-name`, or one address as root and as
// another user) would each plan the other's objects as destroys and take the
// other's lock, so a run that finds such entries refuses to go on.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"

#include <map>
#include <string>
#include <vector>

namespace virtplan::providers {

struct HostIdentity {
  std::string libvirt_uuid;  // `virsh capabilities`: /capabilities/host/uuid
  std::string ssh_host_key;  // "ssh-ed25519 SHA256:..."; empty for `local`

  // One hypervisor: the same libvirt host UUID, and the same SSH host key
  // when both were reached over SSH. Both must agree: hosts cloned from one
  // image share their SSH keys, and some firmware gives every machine one
  // SMBIOS UUID, yet such hosts are distinct.
  bool same_hypervisor(const HostIdentity& other) const;
  // "libvirt host UUID 4c4c...; SSH host key ssh-ed25519 SHA256:..."
  std::string describe() const;
};

// Reads the identity of the host `config` describes through `transport`
// (one virsh call; the connection it opens is the one later commands use).
Result<HostIdentity> read_host_identity(const HostConfig& config, Transport& transport);

// The libvirt host UUID in `virsh capabilities` output.
Result<std::string> libvirt_host_uuid(const std::string& capabilities);

// One message for every entry that reaches a hypervisor an entry before it
// (by name) reaches too, naming both:
//   "hv1-by-name: the same hypervisor as host 'hv1' (libvirt host UUID ...;
//    SSH host key ...): declare each hypervisor once"
std::vector<std::string> same_hypervisor_errors(const std::map<std::string, HostIdentity>& identities);

}  // namespace virtplan::providers
