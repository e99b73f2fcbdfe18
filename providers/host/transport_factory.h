#pragma once

// The transport factory turns a host's configuration into the Transport that
// reaches it: LocalTransport for `local`, SshTransport for everything else.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"

#include <memory>
#include <string_view>

namespace virtplan::providers {

Result<std::unique_ptr<Transport>> make_transport(const HostConfig& config);

// Reads a host address into `config`: `local`, or ssh://[USER@]HOST[:PORT]
// with HOST a name, an IPv4 address or an IPv6 address in brackets
// (ssh://root@[fe80::1]:2222), or a libvirt URI over SSH,
// qemu+ssh://[USER@]HOST[:PORT]/system?keyfile=FILE&known_hosts=FILE (also
// qemu+libssh, qemu+libssh2; /session too), whose path sets the libvirt URI
// and whose keyfile and known_hosts set the identity and known_hosts file;
// no_verify=1 is refused. HOST may be an ssh_config alias. Fields the address
// does not give keep their values, except the port, which is 22 unless
// given; config.given says whether user and port were given. Fails with
// ErrorCode::invalid and a message quoting the address.
Result<void> parse_host_address(std::string_view address, HostConfig& config);

}  // namespace virtplan::providers
