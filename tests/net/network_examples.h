#pragma once

// The networks the tests generate XML for, define on a real libvirtd and read
// back: one per mode, with DHCP ranges, static leases and DNS hosts.

#include <string>
#include <vector>

namespace virtplan::net::test {

struct NetworkExample {
  std::string name;  // also the golden and data file name
  std::string yaml;
};

inline const std::vector<NetworkExample>& network_examples() {
  static const std::vector<NetworkExample> k_examples = {
      {"vp-nat", R"(
mode: nat
bridge: vp-nat0
mtu: 9000
domain: lan
ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.77.0.100-10.77.0.199
    hosts:
      - {mac: "52:54:00:00:00:11", ip: 10.77.0.11}
      - {mac: "52:54:00:00:00:10", ip: 10.77.0.10, name: web}
dns:
  hosts:
    - {ip: 10.77.0.11, names: db.lan}
    - {ip: 10.77.0.10, names: [web.lan, www.lan]}
)"},
      {"vp-nat-min", R"(
ipv4:
  address: 10.76.0.1/24
  dhcp: {range: 10.76.0.2-10.76.0.254}
)"},
      {"vp-route", R"(
mode: route
bridge: vp-route0
forward_dev: eth0
ipv4:
  address: 10.78.0.1/24
  dhcp:
    range: 10.78.0.50-10.78.0.60
    hosts: [{mac: "52:54:00:AA:BB:01", ip: 10.78.0.5, name: router-guest}]
)"},
      {"vp-open", R"(
mode: open
bridge: vp-open0
ipv4: {address: 10.79.0.1/24}
autostart: false
)"},
      {"vp-isolated", R"(
mode: isolated
bridge: vp-iso0
ipv4:
  address: 10.80.0.1/16
  dhcp:
    hosts: [{mac: "52:54:00:00:01:01", ip: 10.80.1.1, name: a}]
dns:
  hosts: [{ip: 10.80.1.1, names: [a.iso]}]
)"},
      {"vp-bridge", R"(
mode: bridge
bridge: br-vp
)"},
  };
  return k_examples;
}

}  // namespace virtplan::net::test
