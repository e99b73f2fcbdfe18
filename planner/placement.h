#pragma once

// place_domains() chooses a host for each domain that says `host: auto`: a
// pure, deterministic function of what the hosts hold (no I/O, no clock, no
// randomness), so the same inventory always gives the same plan.
//
// A host's allowance is its nodeinfo scaled by its limits:
//   vCPUs  = CPUs x cpu_overcommit
//   memory = memory x memory_overcommit - reserved_memory
// and what it has free is the allowance less what every domain defined on
// it takes (running or not, owned by this stack or not: a stopped domain may
// be started at any time), less what earlier choices of this run put there.
// A domain fits a host when the host is not in maintenance, its vCPUs and memory fit what is free, the
// volumes that go with it fit their pools' free space there (a pool whose
// space is not known is not weighed), no member
// of its anti-affinity group is there, and, when a member of its affinity
// group is placed already, it is that member's host.
//
// Among the hosts that fit, a member of a replica group takes one holding
// the fewest members of its group (planner/replica_groups.h); then `spread` takes the one with the most
// memory free (then the most vCPUs free), `pack` the one with the least memory free (then the least vCPUs
// free); ties go to the host whose name sorts first. Requests are placed in the order of their domain names,
// each seeing the ones before: the order of the stack files never changes the answer.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace virtplan::planner {

enum class PlacementStrategy { spread, pack };

// HostCapacity is one host as placement sees it: its size (nodeinfo), its
// limits (the stack's host entry) and what its domains take already.
struct HostCapacity {
  std::string name;
  int cpus = 0;                       // nodeinfo CPU(s)
  std::uint64_t memory = 0;           // nodeinfo memory, bytes
  double cpu_overcommit = 1.0;        // `cpu_overcommit:`
  double memory_overcommit = 1.0;     // `memory_overcommit:`
  std::uint64_t reserved_memory = 0;  // `reserved_memory:`, bytes kept for the host itself
  int used_vcpus = 0;                 // every domain defined on it
  std::uint64_t used_memory = 0;      // every domain defined on it, bytes
  bool maintenance = false;           // `maintenance: true`: takes nothing
  // Its running pools' free space (virsh pool-info), bytes, by pool name.
  std::map<std::string, std::uint64_t> pool_free = {};
};

// PlacementRequest is one `host: auto` domain: what it takes and its rules.
struct PlacementRequest {
  std::string domain;
  int vcpus = 1;
  std::uint64_t memory = 0;        // bytes
  std::vector<std::string> hosts;  // `placement.hosts`; empty: every host
  // The volumes that go with it and are not there yet: bytes by pool name.
  std::map<std::string, std::uint64_t> pool_needs = {};
  PlacementStrategy strategy = PlacementStrategy::spread;
  std::string anti_affinity;  // group name; empty: none
  std::string affinity;       // group name; empty: none
  std::string group = {};     // its replica group (spread over hosts); empty: none
};

// PlacedMember is a domain whose host is settled already (it exists: sticky,
// or the stack names its host): it counts for its groups. What it takes is
// in its host's used_* already.
struct PlacedMember {
  std::string domain;
  std::string host;
  std::string anti_affinity;
  std::string affinity;
  std::string group = {};
};

// Placement is one domain's host, and why, as the plan shows it:
// "6.0 GiB of 16 GiB free, spread".
struct Placement {
  std::string domain;
  std::string host;
  std::string why;
  // Set by place_stack (placement_stage.h) for a domain that leaves the host
  // it is on: why ("maintenance on h1", "rebalance"); empty for a new one.
  std::string moved = {};
};

struct PlacementResult {
  std::vector<Placement> placed;  // sorted by domain
  // One per domain that fits no host, naming each candidate and what it
  // lacks: "domain db: no host fits (h1: 1.5 GiB of memory free, needs 4 GiB;
  // h2: holds web-1 of anti-affinity group web)". Sorted by domain.
  std::vector<std::string> errors;
  std::vector<std::string> unplaced = {};  // the domain each of `errors` is about
};

PlacementResult place_domains(const std::vector<HostCapacity>& hosts,
                              const std::vector<PlacementRequest>& requests,
                              const std::vector<PlacedMember>& settled);

}  // namespace virtplan::planner
