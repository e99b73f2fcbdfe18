#pragma once

// SshTarget is one host's HostConfig resolved for the SSH client: the OpenSSH
// client configuration applied (ssh_config.h; the stack's own keys win) and
// defaults filled in from the home directory, so messages can name the exact
// files involved.

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
  std::string name;  // "lab1", or "bastion jump1" for a hop, for messages
  std::string user;
  std::string hostname;
  int port = 22;
  // An identity given in the stack is the only key tried; otherwise the agent
  // and then these default files, in order.
  std::optional<std::string> identity;
  // The default files, or ssh_config's IdentityFile lines when it has some.
  std::vector<std::string> default_identities;
  // ssh_config's CertificateFile lines: offered with a key they certify,
  // before PATH-cert.pub beside the key.
  std::vector<std::string> certificate_files;
  // ssh_config's IdentitiesOnly: the agent is not asked.
  bool identities_only = false;
  // ssh_config's IdentityAgent: a socket path, or "none"; unset: $SSH_AUTH_SOCK.
  std::optional<std::string> identity_agent;
  std::string known_hosts;
  SystemKnownHosts system_known_hosts = SystemKnownHosts::consulted;
  std::string global_known_hosts = "/etc/ssh/ssh_known_hosts";
  HostKeyPolicy host_key = HostKeyPolicy::strict;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::seconds keepalive{std::chrono::seconds(15)};
  int keepalive_count = 3;
  // The jump hosts (ProxyJump) in the order they are passed, outermost first;
  // each hop's own `jumps` is empty: its place in this list says what it
  // goes through.
  std::vector<SshTarget> jumps;
  // ssh_config lines that apply to this host (or its hops) and that virtplan
  // does not follow.
  std::vector<std::string> warnings;

  // "lab1 (10.231.1.2:22)", or "lab1 ([fe80::1]:22)": the prefix of every
  // message; a host behind jump hosts adds them: "lab1 (127.0.0.1:22 via
  // bastion jump1)".
  std::string where() const;
  // The host as known_hosts and ssh-keygen -R spell it: "10.231.1.2", "[10.231.1.2]:2222".
  std::string known_hosts_name() const;
};

// Applies ssh_config (ssh_config_files()) and fills the defaults:
// ~/.ssh/known_hosts, ~/.ssh/id_{ed25519,ecdsa,rsa}. A known_hosts file named
// in the stack is the only one consulted, so a stack pins exactly which keys
// it trusts; otherwise the user file is read together with the system file,
// as OpenSSH does. Fails on an unreadable named ssh_config, a bad value in it,
// StrictHostKeyChecking no, or a ProxyJump chain that loops.
Result<SshTarget> resolve_ssh_target(const HostConfig& config);

// The key jump hosts are shared by: "root@10.231.1.2:22>root@127.0.0.1:22".
std::string jump_chain_key(const std::vector<SshTarget>& chain);

// The user's home directory: $HOME, else the password database.
std::string home_directory();

}  // namespace virtplan::providers
