#pragma once

// SshTarget is one host's HostConfig resolved for the SSH client: defaults filled
// in from the home directory, so messages can name the exact files involved.

#include "providers/base/error.h"
#include "providers/host/host_config.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

// Whether the system-wide /etc/ssh/ssh_known_hosts is consulted as well.
enum class SystemKnownHosts { consulted, ignored };

struct SshTarget {
  std::string name;  // "lab1", for messages
  std::string user;
  std::string hostname;
  int port = 22;
  // An identity given in the stack is the only key tried; otherwise the agent
  // and then these default files, in order.
  std::optional<std::string> identity;
  std::vector<std::string> default_identities;
  std::string known_hosts;
  SystemKnownHosts system_known_hosts = SystemKnownHosts::consulted;
  HostKeyPolicy host_key = HostKeyPolicy::strict;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::seconds keepalive{std::chrono::seconds(15)};

  // "lab1 (10.231.1.2:22)", or "lab1 ([fe80::1]:22)": the prefix of every message.
  std::string where() const;
  // The host as known_hosts and ssh-keygen -R spell it: "10.231.1.2", "[10.231.1.2]:2222".
  std::string known_hosts_name() const;
};

// Fills the defaults: ~/.ssh/known_hosts, ~/.ssh/id_{ed25519,ecdsa,rsa}. A
// known_hosts file named in the stack is the only one consulted, so a stack
// pins exactly which keys it trusts; the default file is read together with
// the system file, as OpenSSH does.
Result<SshTarget> resolve_ssh_target(const HostConfig& config);

// The user's home directory: $HOME, else the password database.
std::string home_directory();

}  // namespace virtplan::providers
