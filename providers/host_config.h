#pragma once

// HostConfig is how to reach one host: the stack's `hosts:` entry, resolved.
// The loader fills it; make_transport() (providers/transport_factory.h) turns it
// into a LocalTransport or an SshTransport.

#include <chrono>
#include <optional>
#include <string>

namespace virtplan::providers {

enum class HostKeyPolicy { strict, accept_new };
enum class Become { none, sudo };

struct HostConfig {
  std::string name;                          // the key in `hosts:`, e.g. "lab1"
  bool local = false;                        // `address: local`: run commands on this machine
  std::string user = "root";                 // from ssh://USER@HOST:PORT
  std::string hostname;                      // from ssh://USER@HOST:PORT
  int port = 22;
  std::string libvirt_uri = "qemu:///system";
  std::optional<std::string> identity;       // a private key file; unset: agent, then ~/.ssh/id_*
  std::optional<std::string> known_hosts;    // unset: ~/.ssh/known_hosts
  HostKeyPolicy host_key = HostKeyPolicy::strict;
  Become become = Become::none;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::seconds keepalive{std::chrono::seconds(15)};
};

}  // namespace virtplan::providers
