#pragma once

// NetworkMode is how a virtual network reaches the outside: libvirt's
// <forward mode=...>, or none at all for an isolated network.

#include <optional>
#include <string_view>

namespace virtplan::net {

enum class NetworkMode {
  nat,       // <forward mode='nat'/>: guests masquerade behind the host
  route,     // <forward mode='route'/>: routed, no NAT
  open,      // <forward mode='open'/>: libvirt adds no firewall rules
  isolated,  // no <forward>: guests reach each other and the host only
  bridge,    // <forward mode='bridge'/>: attach to an existing host bridge
};

std::string_view to_string(NetworkMode mode);
std::optional<NetworkMode> network_mode_from_string(std::string_view text);

// The names as the stack spells them, for "expected one of" messages.
inline constexpr std::string_view k_network_mode_names[] = {"nat", "route", "open", "isolated", "bridge"};

}  // namespace virtplan::net
