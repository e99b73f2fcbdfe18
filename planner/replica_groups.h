#pragma once

// expand_replica_groups() is the loader's pass that turns replica groups into
// ordinary declarations, so that everything after it (placement, the diff,
// apply) sees plain domains, volumes and networks. A domain declared with
// `count: N` is a group: its declaration becomes N members NAME-1 ... NAME-N,
// each read like a domain declared alone, with:
//   - its own copy of every volume its disks name that says `per_member:
//     true`: volume ROOT becomes ROOT-1 ... ROOT-N, member i's disk names
//     ROOT-i (and a per-member volume's `backing:` naming another per-member
//     volume of the group names that one's copy i);
//   - a MAC address on each interface that gives none, derived from the
//     stack's name, the member's name and the interface's position
//     (member_mac()): the same on every run, with no state to keep;
//   - with `addresses: {network: NET, range: A-B}`, the address A + i - 1
//     for member i, given by network NET's DHCP as a host entry
//     {mac, ip, name} for the member's first interface on NET.
// Indexes are the identity: scaling up adds members after the highest,
// scaling down drops the highest (the plan destroys them and their volumes,
// with their DATA LOSS lines); no member is ever renamed, so a member keeps
// its name, MAC, address and (placement being sticky) host.
// `max_unavailable: N` (default 1) is how many members apply may restart,
// replace or migrate at once (planner/rolling.h); each member carries it.
// With `host: auto` the members are spread: each goes to a host holding the
// fewest members of its group (planner/placement.h).

#include "planner/declaration.h"
#include "providers/base/diagnostics.h"

#include <string>
#include <vector>

namespace virtplan::planner {

// The sections a group touches, expanded in place.
struct GroupSections {
  std::vector<Declaration>& domains;
  std::vector<Declaration>& volumes;
  std::vector<Declaration>& networks;
};

void expand_replica_groups(const std::string& stack, GroupSections sections, providers::Diagnostics& diags);

// "52:54:xx:xx:xx:xx": 32 bits of SHA-256 of "STACK/MEMBER/INTERFACE"
// behind the locally administered prefix QEMU uses.
std::string member_mac(const std::string& stack, const std::string& member, std::size_t interface);

}  // namespace virtplan::planner
