#pragma once

// HostConfig is how to reach one host: the stack's `hosts:` entry, resolved.
// The loader fills it; make_transport() (providers/host/transport_factory.h) turns it
// into a LocalTransport or an SshTransport.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace virtplan::providers {

enum class HostKeyPolicy { strict, accept_new };
enum class Become { none, sudo };

struct HostConfig {
  std::string name;           // the key in `hosts:`, e.g. "lab1"
  bool local = false;         // `address: local`: run commands on this machine
  std::string user = "root";  // from ssh://USER@HOST:PORT
  std::string hostname;       // from ssh://USER@HOST:PORT
  int port = 22;
  std::string libvirt_uri = "qemu:///system";
  std::optional<std::string> identity;     // a private key file; unset: agent, then ~/.ssh/id_*
  std::optional<std::string> known_hosts;  // unset: ~/.ssh/known_hosts
  HostKeyPolicy host_key = HostKeyPolicy::strict;
  Become become = Become::none;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::seconds keepalive{std::chrono::seconds(15)};
  // Keepalives that may go unanswered before the connection counts as dead
  // (ssh_config's ServerAliveCountMax).
  int keepalive_count = 3;
  // `ssh_config: PATH`: the OpenSSH client configuration for this host;
  // unset: $VIRTPLAN_SSH_CONFIG, else ~/.ssh/config and /etc/ssh/ssh_config.
  std::optional<std::string> ssh_config;
  // `image_cache: PATH`: the directory on the host where images fetched by
  // URL are kept, one file per digest (storage/image_fetch.h).
  std::string image_cache = "/var/lib/virtplan/cache";
  // What placement (planner/placement.h) may put on the host: its CPUs
  // times `cpu_overcommit` in vCPUs, its memory times `memory_overcommit`
  // less `reserved_memory` (bytes kept for the host itself).
  double cpu_overcommit = 1.0;
  double memory_overcommit = 1.0;
  std::uint64_t reserved_memory = 0;
  // `maintenance: true`: placement puts nothing on the host and moves every
  // `host: auto` domain off it; a domain pinned to it (`host: NAME`) is
  // refused by plan (planner/placement_stage.h).
  bool maintenance = false;
  // Which of the fields above the stack itself set (identity and known_hosts
  // say so by being set): those win over what ssh_config says.
  struct Given {
    bool user = false;
    bool port = false;
    bool host_key = false;
    bool connect_timeout = false;
    bool keepalive = false;
  };
  Given given;
};

// The address `host` is reached at, spelled one way: "local", or
// "ssh://USER@HOST:PORT" with the default user and port filled in, the host
// name in lower case (names are case-insensitive) and an IPv6 address in
// brackets, as the stack's own address syntax has it; empty when the entry
// has no usable address.
std::string host_address_key(const HostConfig& host);

}  // namespace virtplan::providers
