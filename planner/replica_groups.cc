#include "planner/replica_groups.h"

#include "providers/base/dhcp_range.h"
#include "providers/base/sha256.h"
#include "providers/base/yaml_map.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::YamlValue;

constexpr std::string_view k_count_key = "count";
constexpr std::string_view k_addresses_key = "addresses";
constexpr std::string_view k_per_member_key = "per_member";
constexpr std::string_view k_max_unavailable_key = "max_unavailable";
constexpr std::int64_t k_max_count = 1000;

bool is_key(const YAML::Node& key, std::string_view name) { return key.IsScalar() && key.Scalar() == name; }

// The value of `key` in `map`, undefined when there is none (not through
// operator[], which may insert into a map it is asked about).
YAML::Node child(const YAML::Node& map, std::string_view key) {
  if (map.IsMap()) {
    for (const auto& entry : map) {
      if (is_key(entry.first, key)) return entry.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Nodes are references: assigning to a YAML::Node that holds a node of the
// stack's document rewrites that node for every holder (yaml-cpp's
// Node::operator=). So this pass never assigns to one: it builds new maps
// and sequences whose entries are shared with the document (what is read
// from them keeps its place in the stack file), and new declarations.

// A new map holding `map`'s entries but `drop`, with `set`'s values in
// place of its own (or last, for a key it has not).
YAML::Node edited(const YAML::Node& map, std::initializer_list<std::string_view> drop,
                  const std::map<std::string, YAML::Node>& set) {
  YAML::Node out(YAML::NodeType::Map);
  std::set<std::string> placed;
  if (map.IsMap()) {
    for (const auto& entry : map) {
      if (std::any_of(drop.begin(), drop.end(),
                      [&](std::string_view key) { return is_key(entry.first, key); }))
        continue;
      auto replaced = entry.first.IsScalar() ? set.find(entry.first.Scalar()) : set.end();
      out.force_insert(entry.first, replaced != set.end() ? replaced->second : entry.second);
      if (replaced != set.end()) placed.insert(replaced->first);
    }
  }
  for (const auto& [key, value] : set) {
    if (!placed.contains(key)) out.force_insert(key, value);
  }
  return out;
}

YAML::Node without(const YAML::Node& map, std::initializer_list<std::string_view> drop) {
  return edited(map, drop, {});
}

YAML::Node with(const YAML::Node& map, const std::string& key, const YAML::Node& value) {
  return edited(map, {}, {{key, value}});
}

// `entry` declared with `value` (and as a group's member, when named).
Declaration redeclared(const Declaration& entry, const YAML::Node& value, const std::string& member = {},
                       const std::string& group = {}) {
  return Declaration{entry.file,
                     entry.key,
                     value,
                     member.empty() ? entry.member_name : member,
                     group.empty() ? entry.group : group,
                     entry.max_unavailable};
}

// `addresses: {network: NET, range: A-B}`.
struct Addresses {
  std::string network;
  std::uint32_t first = 0;
  std::uint32_t size = 0;
  YamlValue where;
};

// Group is one `count:` declaration, read.
struct Group {
  Declaration entry;
  std::string name;
  int count = 0;
  std::optional<Addresses> addresses;
  int max_unavailable = 1;
};

// A member's DHCP host entry, for the network that gives it.
struct DhcpHost {
  std::string network;
  YAML::Node entry;
  const Addresses* addresses;
};

std::optional<Addresses> read_addresses(const YamlValue& value, Diagnostics& diags) {
  auto map = value.as_map(diags);
  if (!map) return std::nullopt;
  auto network = map->get("network");
  auto range = map->get("range");
  std::optional<std::string> network_name = network ? network->as_name(diags) : std::nullopt;
  std::optional<std::string> range_text = range ? range->as_string(diags) : std::nullopt;
  map->report_unknown(diags);
  if (!network || !range) {
    value.error(diags, "addresses needs network and range (addresses: {network: NET, range: A-B})");
    return std::nullopt;
  }
  if (!network_name || !range_text) return std::nullopt;
  const auto parsed = providers::DhcpRange::parse(*range_text);
  if (!parsed) {
    range->error(diags, fmt::format("invalid address range '{}': expected FIRST-LAST, as 10.0.0.10-10.0.0.50",
                                    *range_text));
    return std::nullopt;
  }
  return Addresses{*network_name, parsed->start.value(), parsed->end.value() - parsed->start.value() + 1,
                   value};
}

std::optional<Group> read_group(const Declaration& entry, const YAML::Node& count_node, Diagnostics& diags) {
  const std::string context = fmt::format("domain.{}", entry.name());
  auto count = YamlValue(count_node, entry.file, context).as_int(diags);
  if (!count) return std::nullopt;
  if (*count < 0 || *count > k_max_count) {
    YamlValue(count_node, entry.file, context)
        .error(diags, fmt::format("count {} is out of range: expected 0 to {}", *count, k_max_count));
    return std::nullopt;
  }
  Group group{entry, entry.name(), static_cast<int>(*count), std::nullopt};
  if (auto limit = child(entry.value, k_max_unavailable_key); limit.IsDefined()) {
    const YamlValue value(limit, entry.file, context);
    auto number = value.as_int(diags);
    if (!number) return std::nullopt;
    if (*number < 1) {
      value.error(diags, fmt::format("max_unavailable {} is out of range: expected an integer of at least 1 "
                                     "(members restarted at once)",
                                     *number));
      return std::nullopt;
    }
    group.max_unavailable = static_cast<int>(std::min<std::int64_t>(*number, k_max_count));
  }
  if (auto addresses = child(entry.value, k_addresses_key); addresses.IsDefined()) {
    group.addresses = read_addresses(YamlValue(addresses, entry.file, context + ".addresses"), diags);
    if (!group.addresses) return std::nullopt;
    if (static_cast<std::uint32_t>(group.count) > group.addresses->size) {
      group.addresses->where.error(diags, fmt::format("the range holds {} addresses, fewer than count {}",
                                                      group.addresses->size, group.count));
      return std::nullopt;
    }
  }
  return group;
}

// The volumes a declaration's disks name.
std::vector<std::string> disk_volumes(const YAML::Node& domain) {
  std::vector<std::string> out;
  const YAML::Node disks = child(domain, "disks");
  if (!disks.IsSequence()) return out;
  for (const auto& disk : disks) {
    const YAML::Node volume = child(disk, "volume");
    if (volume.IsScalar()) out.push_back(volume.Scalar());
  }
  return out;
}

std::string member_name(const std::string& name, int index) { return fmt::format("{}-{}", name, index); }

// GroupExpansion is one run of expand_replica_groups().
class GroupExpansion {
public:
  GroupExpansion(const std::string& stack, Diagnostics& diags) : m_stack(stack), m_diags(diags) {}
  void run(GroupSections sections);

private:
  void find_per_member_volumes(std::vector<Declaration>& volumes);
  std::vector<Declaration> expand_domains(const std::vector<Declaration>& domains);
  Declaration member(const Group& group, int index);
  YAML::Node member_disks(const Group& group, int index) const;
  YAML::Node member_interfaces(const Group& group, const std::string& member, std::string& mac_on_network);
  std::vector<Declaration> expand_volumes(const std::vector<Declaration>& volumes);
  void add_dhcp_hosts(std::vector<Declaration>& networks);
  void check_unique(std::string_view kind, std::vector<Declaration>& entries);

  const std::string& m_stack;
  Diagnostics& m_diags;
  std::map<std::string, bool> m_per_member;                  // volume -> per_member, as declared
  std::map<std::string, std::vector<const Group*>> m_users;  // per-member volume -> the groups naming it
  std::vector<std::unique_ptr<Group>> m_groups;
  std::vector<DhcpHost> m_dhcp;
};

void GroupExpansion::run(GroupSections sections) {
  find_per_member_volumes(sections.volumes);
  sections.domains = expand_domains(sections.domains);
  sections.volumes = expand_volumes(sections.volumes);
  add_dhcp_hosts(sections.networks);
  check_unique("domain", sections.domains);
  check_unique("volume", sections.volumes);
}

void GroupExpansion::find_per_member_volumes(std::vector<Declaration>& volumes) {
  std::vector<Declaration> out;
  for (const auto& entry : volumes) {
    const YAML::Node flag = child(entry.value, k_per_member_key);
    if (!flag.IsDefined()) {
      out.push_back(entry);
      continue;
    }
    auto per_member = YamlValue(flag, entry.file, "volume." + entry.name()).as_bool(m_diags);
    m_per_member[entry.name()] = per_member.value_or(false);
    out.push_back(redeclared(entry, without(entry.value, {k_per_member_key})));
  }
  volumes = std::move(out);
}

std::vector<Declaration> GroupExpansion::expand_domains(const std::vector<Declaration>& domains) {
  std::vector<Declaration> out;
  for (const auto& entry : domains) {
    const YAML::Node count = child(entry.value, k_count_key);
    if (!count.IsDefined()) {
      if (auto limit = child(entry.value, k_max_unavailable_key); limit.IsDefined()) {
        YamlValue(limit, entry.file, "domain." + entry.name())
            .error(m_diags, "max_unavailable is for replica groups (a domain with count:)");
        out.push_back(redeclared(entry, without(entry.value, {k_max_unavailable_key})));
        continue;
      }
      out.push_back(entry);
      continue;
    }
    auto group = read_group(entry, count, m_diags);
    if (!group) continue;
    m_groups.push_back(std::make_unique<Group>(std::move(*group)));
    const Group& read = *m_groups.back();
    for (const auto& volume : disk_volumes(entry.value)) {
      if (m_per_member[volume]) m_users[volume].push_back(&read);
    }
    for (int index = 1; index <= read.count; ++index) out.push_back(member(read, index));
  }
  return out;
}

Declaration GroupExpansion::member(const Group& group, int index) {
  const std::string name = member_name(group.name, index);
  const YAML::Node& declared = group.entry.value;
  std::map<std::string, YAML::Node> own;
  if (child(declared, "disks").IsSequence()) own.emplace("disks", member_disks(group, index));
  std::string mac_on_network;
  if (child(declared, "interfaces").IsSequence())
    own.emplace("interfaces", member_interfaces(group, name, mac_on_network));
  Declaration out =
      redeclared(group.entry, edited(declared, {k_count_key, k_addresses_key, k_max_unavailable_key}, own),
                 name, group.name);
  out.max_unavailable = group.max_unavailable;
  if (!group.addresses) return out;
  if (mac_on_network.empty()) {
    if (index == 1) {
      group.addresses->where.error(
          m_diags, fmt::format("addresses on network {}, but no interface of the group is on it",
                               group.addresses->network));
    }
    return out;
  }
  YAML::Node host(YAML::NodeType::Map);
  host["mac"] = mac_on_network;
  host["ip"] = providers::Ipv4Address(group.addresses->first + static_cast<std::uint32_t>(index - 1)).str();
  host["name"] = name;
  m_dhcp.push_back(DhcpHost{group.addresses->network, host, &*group.addresses});
  return out;
}

// The group's disks, each per-member volume replaced by member `index`'s copy.
YAML::Node GroupExpansion::member_disks(const Group& group, int index) const {
  YAML::Node out(YAML::NodeType::Sequence);
  for (const YAML::Node& disk : child(group.entry.value, "disks")) {
    const YAML::Node volume = child(disk, "volume");
    if (volume.IsScalar() && m_per_member.contains(volume.Scalar()) && m_per_member.at(volume.Scalar())) {
      out.push_back(with(disk, "volume", YAML::Node(member_name(volume.Scalar(), index))));
    } else {
      out.push_back(disk);
    }
  }
  return out;
}

// The group's interfaces, each without a MAC given the member's own; the
// MAC of the first on the group's addresses network goes to `mac_on_network`.
YAML::Node GroupExpansion::member_interfaces(const Group& group, const std::string& member,
                                             std::string& mac_on_network) {
  YAML::Node out(YAML::NodeType::Sequence);
  std::size_t position = 0;
  for (const YAML::Node& nic : child(group.entry.value, "interfaces")) {
    if (!nic.IsMap()) {
      out.push_back(nic);
      ++position;
      continue;
    }
    const YAML::Node declared = child(nic, "mac");
    const std::string mac = declared.IsScalar() ? declared.Scalar() : member_mac(m_stack, member, position);
    out.push_back(declared.IsDefined() ? nic : with(nic, "mac", YAML::Node(mac)));
    const YAML::Node network = child(nic, "network");
    if (group.addresses && mac_on_network.empty() && network.IsScalar() &&
        network.Scalar() == group.addresses->network)
      mac_on_network = mac;
    ++position;
  }
  return out;
}

std::vector<Declaration> GroupExpansion::expand_volumes(const std::vector<Declaration>& volumes) {
  std::vector<Declaration> out;
  for (const auto& entry : volumes) {
    auto per_member = m_per_member.find(entry.name());
    if (per_member == m_per_member.end() || !per_member->second) {
      out.push_back(entry);
      continue;
    }
    const auto& users = m_users[entry.name()];
    if (users.size() != 1) {
      std::vector<std::string> names;
      for (const Group* group : users) names.push_back(group->name);
      m_diags.add(entry.where(),
                  users.empty()
                      ? fmt::format("volume '{}' is per_member, but no replica group's disks name it "
                                    "(a group is a domain with count:)",
                                    entry.name())
                      : fmt::format("volume '{}' is per_member of one replica group, and the disks of "
                                    "several name it ({})",
                                    entry.name(), fmt::join(names, ", ")));
      continue;
    }
    const Group& group = *users.front();
    const YAML::Node backing = child(entry.value, "backing");
    const bool own_backing = backing.IsScalar() && m_users.contains(backing.Scalar()) &&
                             m_users[backing.Scalar()].size() == 1 &&
                             m_users[backing.Scalar()].front() == &group;
    for (int index = 1; index <= group.count; ++index) {
      const YAML::Node value =
          own_backing ? with(entry.value, "backing", YAML::Node(member_name(backing.Scalar(), index)))
                      : entry.value;
      out.push_back(redeclared(entry, value, member_name(entry.name(), index), group.name));
    }
  }
  return out;
}

// Each member's DHCP host joins its network's `ipv4.dhcp.hosts`, after the
// ones the stack lists.
void GroupExpansion::add_dhcp_hosts(std::vector<Declaration>& networks) {
  std::map<std::string, std::vector<const DhcpHost*>> by_network;
  for (const auto& host : m_dhcp) by_network[host.network].push_back(&host);
  std::vector<Declaration> out;
  for (const auto& entry : networks) {
    auto hosts = by_network.find(entry.name());
    if (hosts == by_network.end()) {
      out.push_back(entry);
      continue;
    }
    const YAML::Node ipv4 = child(entry.value, "ipv4");
    const YAML::Node dhcp = child(ipv4, "dhcp");
    if (!ipv4.IsMap() || !(dhcp.IsMap() || !dhcp.IsDefined() || dhcp.IsNull())) {
      hosts->second.front()->addresses->where.error(
          m_diags,
          fmt::format("network {} has no ipv4 address (with dhcp) to give addresses from", entry.name()));
      by_network.erase(hosts);
      out.push_back(entry);
      continue;
    }
    YAML::Node listed(YAML::NodeType::Sequence);
    const YAML::Node declared = child(dhcp, "hosts");
    if (declared.IsSequence()) {
      for (const auto& item : declared) listed.push_back(item);
    }
    for (const DhcpHost* host : hosts->second) listed.push_back(host->entry);
    const YAML::Node new_dhcp = with(dhcp.IsMap() ? dhcp : YAML::Node(YAML::NodeType::Map), "hosts", listed);
    out.push_back(redeclared(entry, with(entry.value, "ipv4", with(ipv4, "dhcp", new_dhcp))));
    by_network.erase(hosts);
  }
  networks = std::move(out);
  for (const auto& [network, hosts] : by_network) {
    hosts.front()->addresses->where.error(
        m_diags, fmt::format("network '{}' is not declared in 'networks:'", network));
  }
}

// A member named like another declaration ("web-2" beside group web of 3)
// is reported, and only the first kept.
void GroupExpansion::check_unique(std::string_view kind, std::vector<Declaration>& entries) {
  std::map<std::string, const Declaration*> first;
  std::vector<Declaration> kept;
  for (const auto& entry : entries) {
    auto [it, added] = first.try_emplace(entry.name(), &entry);
    if (added || !entry.key.IsScalar()) {
      kept.push_back(entry);
      continue;
    }
    const Declaration& member = entry.group.empty() ? *it->second : entry;
    const Declaration& other = entry.group.empty() ? entry : *it->second;
    m_diags.add(entry.where(),
                fmt::format("{} '{}' is declared twice: as a member of replica group {} (at {}) "
                            "and at {}",
                            kind, entry.name(), member.group, member.where().str(), other.where().str()));
  }
  entries = std::move(kept);
}

}  // namespace

void expand_replica_groups(const std::string& stack, GroupSections sections, Diagnostics& diags) {
  GroupExpansion(stack, diags).run(sections);
}

std::string member_mac(const std::string& stack, const std::string& member, std::size_t interface) {
  const std::string digest = providers::Sha256::of(fmt::format("{}/{}/{}", stack, member, interface));
  return fmt::format("52:54:{}:{}:{}:{}", digest.substr(0, 2), digest.substr(2, 2), digest.substr(4, 2),
                     digest.substr(6, 2));
}

}  // namespace virtplan::planner
