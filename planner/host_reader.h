#pragma once

// Reading one entry of the stack's `hosts:` section into a HostConfig:
//   address: local | ssh://[USER@]HOST[:PORT]   (required)
//   libvirt: qemu:///system                     (the default)
//   identity: ~/.ssh/id_ed25519                 (~ is the home directory)
//   known_hosts: ~/.ssh/known_hosts
//   host_key: strict | accept-new
//   become: none | sudo
//   connect_timeout: 10s                        (seconds, 1..3600; `10` or `10s`)
//   keepalive: 15s                              (seconds, 0..3600; 0: never)

#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/host/host_config.h"

#include <string>
#include <string_view>

namespace virtplan::planner {

// The host named `name`, read from `value`; problems go to `diags`. The
// address is read by providers::parse_host_address (transport_factory.h).
providers::HostConfig read_host(const std::string& name, const providers::YamlValue& value,
                                providers::Diagnostics& diags);

// `path` with a leading "~/" (or a lone "~") replaced by the home directory.
std::string expand_home(const std::string& path);

}  // namespace virtplan::planner
