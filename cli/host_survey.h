#pragma once

// HostDemand is what a stack asks of one host (its pools' paths and the
// volumes declared in them, its networks' modes and bridges, its domains'
// memory and vCPUs); HostSurvey is what that host has, read in one SSH
// connection: one virsh batch and one shell script, whatever the stack's
// size. `virtplan hosts --check` compares the two (host_checks.h).

#include "planner/stack.h"
#include "providers/base/error.h"
#include "providers/host/host_config.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace virtplan::cli {

struct HostDemand {
  struct Pool {
    std::string name;
    std::string path;                // empty: a pool without a directory (no path checks)
    std::uint64_t volume_bytes = 0;  // the capacities of the volumes declared in it
  };
  struct Network {
    std::string name;
    std::string mode;    // "nat", "route", "isolated", "bridge", ...
    std::string bridge;  // empty: libvirt picks one
  };
  std::vector<Pool> pools;        // by name
  std::vector<Network> networks;  // by name
  int domains = 0;
  std::uint64_t memory_bytes = 0;        // the sum of the domains' current memory
  int max_vcpus = 0;                     // the most any one domain has
  std::vector<std::string> kvm_domains;  // domains with virt_type: kvm
  // Volumes whose image (by URL) the host downloads itself.
  std::vector<std::string> image_volumes;
};

// What `stack` declares on `host`.
HostDemand demand_on(const planner::Stack& stack, const std::string& host);

struct HostSurvey {
  std::string reached;  // "10.231.1.2:22", "10.0.0.11:22 via bastion jump1", "local"
  // Versions and identity, or why virsh failed (the permission check says
  // what is missing).
  std::optional<providers::Error> libvirt_error;
  std::string libvirt_version;  // "9.0.0"
  std::string hypervisor;       // "QEMU 7.2.0"
  bool kvm = false;
  std::string libvirt_uuid;
  std::string ssh_host_key;  // "ssh-ed25519 SHA256:..."; empty for `local`
  // Who virsh runs as.
  std::string user;
  bool root = false;
  std::set<std::string> groups;
  std::string socket_group;  // the group of libvirt's socket
  std::optional<bool> sudo;  // `sudo -n true` worked (asked only under become: sudo)
  struct Path {
    std::string state;    // "exists", "creatable", "blocked"
    std::string nearest;  // the directory it is (or would be) in
    std::uint64_t free_bytes = 0;
    std::string selinux_label;  // empty without SELinux
  };
  std::map<std::string, Path> paths;                   // by pool path
  std::string apparmor;                                // "enabled", "disabled", "" (not built in)
  std::string selinux;                                 // "Enforcing", "Permissive", "Disabled", "" (none)
  std::string dnsmasq;                                 // its path, empty when missing
  std::string firewall;                                // "nftables", "iptables (nf_tables)", ...
  std::set<std::string> links;                         // the host's network interfaces
  std::map<std::string, std::string> network_bridges;  // declared networks libvirt has: bridge
  std::uint64_t memory_total = 0;
  std::uint64_t memory_available = 0;
  int cpus = 0;
  std::set<std::string> download_tools;  // "curl", "wget": those the host has
};

// Reaches `host` and reads everything above; fails only when the host
// cannot be reached at all.
providers::Result<HostSurvey> survey_host(const providers::HostConfig& host, const HostDemand& demand);

// Parses the survey script's output into `survey` (exposed for tests).
void parse_survey_script(const std::string& out, HostSurvey& survey);

}  // namespace virtplan::cli
