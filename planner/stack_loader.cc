#include "planner/stack_loader.h"

#include "planner/declaration.h"
#include "planner/host_reader.h"
#include "planner/replica_groups.h"
#include "planner/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <set>
#include <tuple>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::KindRegistry;
using providers::ObjectId;
using providers::ResourceKind;
using providers::SourceLocation;
using providers::StackObject;
using providers::YamlMap;
using providers::YamlValue;

using Names = std::set<std::string, std::less<>>;

// The sections the loader reads itself; the others come from the registry.
constexpr std::string_view k_stack_key = "stack";
constexpr std::string_view k_hosts_section = "hosts";
constexpr std::string_view k_profiles_section = "profiles";
// Profiles hold domain settings: only this section's objects may name one.
constexpr std::string_view k_profile_users = "domains";
// The keys of an object that the loader reads before its kind does.
constexpr std::string_view k_host_key = "host";
constexpr std::string_view k_hosts_key = "hosts";
constexpr std::string_view k_profile_key = "profile";
// `host: auto`: plan chooses the host (planner/placement.h). A domain may say
// it, with `placement:`; a volume may say it to go with the one domain whose
// disks use it (a cloud-init seed goes with its domain anyway).
constexpr std::string_view k_auto_host = "auto";
constexpr std::string_view k_placement_key = "placement";
constexpr std::string_view k_volume_kind = "volume";
// Replica groups (planner/replica_groups.h) touch these kinds' sections.
constexpr std::string_view k_domain_kind = "domain";
constexpr std::string_view k_network_kind = "network";

// Every file's declarations, by section, in file order then position.
struct Collected {
  std::vector<Declaration> stack_names;  // each file's `stack:` (key and value)
  std::map<std::string, std::vector<Declaration>, std::less<>> sections;
  // Whether every file was read as a map of sections: only then can a
  // missing `stack:` be told from one in a file that could not be read.
  bool all_files_read = true;
};

std::string hint_for(std::string_view word, const Names& candidates) {
  auto match = providers::closest_match(word, candidates);
  return match ? fmt::format(" (did you mean '{}'?)", *match) : std::string();
}

// The section's entries, checked to be a map of names.
void collect_section(const std::string& file, const std::string& section, const YAML::Node& key,
                     const YAML::Node& value, Collected& out, Diagnostics& diags) {
  if (!value.IsDefined() || value.IsNull()) {
    return;  // `domains:` with nothing under it declares nothing
  }
  if (!value.IsMap()) {
    diags.add(providers::location_of(key.Mark(), file),
              fmt::format("'{}' must be a map of names (NAME: {{...}})", section));
    return;
  }
  auto& entries = out.sections[section];
  for (const auto& entry : value) {
    entries.push_back(Declaration{file, entry.first, entry.second});
  }
}

void collect_file(const SourceFile& file, const Names& sections, EmptyFile empty, Collected& out,
                  Diagnostics& diags) {
  auto root = read_yaml(file, diags, empty);
  if (!root) {
    out.all_files_read = false;
    return;
  }
  if (!root->IsMap()) {
    diags.add(providers::location_of(root->Mark(), file.path),
              "a stack file must be a map of sections (stack, hosts, profiles, domains, ...)");
    out.all_files_read = false;
    return;
  }
  for (const auto& entry : *root) {
    const YAML::Node& key = entry.first;
    SourceLocation where = providers::location_of(key.Mark(), file.path);
    if (!key.IsScalar()) {
      diags.add(where, "a key must be a plain string, not a list or a map");
    } else if (key.Scalar() == k_stack_key) {
      out.stack_names.push_back(Declaration{file.path, key, entry.second});
    } else if (sections.contains(key.Scalar())) {
      collect_section(file.path, key.Scalar(), key, entry.second, out, diags);
    } else {
      Names known = sections;
      known.emplace(k_stack_key);
      diags.add(where, fmt::format("unknown key '{}'{}", key.Scalar(), hint_for(key.Scalar(), known)));
    }
  }
}

// Removes each name's later declarations, reporting those from another file
// (a name repeated within one file is a duplicate YAML key, already reported).
void drop_redeclared_entries(std::string_view what, std::vector<Declaration>& entries, Diagnostics& diags) {
  std::map<std::string, const Declaration*, std::less<>> first;
  std::vector<Declaration> kept;
  for (const auto& entry : entries) {
    auto [it, inserted] = first.emplace(entry.name(), &entry);
    if (inserted || !entry.key.IsScalar()) {
      kept.push_back(entry);
    } else if (it->second->file != entry.file) {
      diags.add(entry.where(), fmt::format("{} '{}' is declared twice (first at {})", what, entry.name(),
                                           it->second->where().str()));
    }
  }
  entries = std::move(kept);
}

bool check_name(const Declaration& entry, Diagnostics& diags) {
  if (!entry.key.IsScalar()) {
    diags.add(entry.where(), "a name must be a plain string, not a list or a map");
    return false;
  }
  if (auto problem = providers::name_problem(entry.name())) {
    diags.add(entry.where(), *problem);
    return false;
  }
  return true;
}

std::string read_stack_name(const Collected& collected, const std::vector<SourceFile>& files,
                            Diagnostics& diags) {
  std::optional<std::string> name;
  std::optional<SourceLocation> first;
  for (const auto& entry : collected.stack_names) {
    YamlValue value = entry.yaml("");
    auto text = value.as_name(diags);
    if (!text) {
      continue;
    }
    if (!name) {
      name = text;
      first = value.where();
    } else if (*name != *text) {
      value.error(diags,
                  fmt::format("stack name '{}' differs from '{}' (at {})", *text, *name, first->str()));
    }
  }
  if (collected.stack_names.empty() && collected.all_files_read && !files.empty()) {
    diags.add(SourceLocation{files.front().path, 1, 1},
              "missing 'stack:' (the stack's name, as in 'stack: demo')");
  }
  return name.value_or("");
}

// Two entries with one address are one hypervisor under two names: each
// would plan the other's objects as destroys and take the other's lock
// (architecture.md, decision 9). Addresses that differ in spelling only
// (ssh://h and ssh://root@h:22) compare equal here; spellings that name one
// host differently (a second IP address, a DNS alias) are caught when the
// hosts are reached (providers/host/host_identity.h).
void check_addresses_differ(const std::vector<Declaration>& entries,
                            const std::map<std::string, providers::HostConfig>& hosts, Diagnostics& diags) {
  std::map<std::string, const Declaration*> first_at;  // the address -> the entry that gave it first
  for (const auto& entry : entries) {
    auto host = hosts.find(entry.name());
    if (host == hosts.end()) continue;
    const std::string address = providers::host_address_key(host->second);
    if (address.empty()) continue;  // not read: its own error says why
    auto [first, added] = first_at.try_emplace(address, &entry);
    if (added || first->second->name() == entry.name()) continue;
    diags.add(entry.where(),
              fmt::format("host '{}' has the same address as host '{}' (at {}): {}; one hypervisor must be "
                          "declared once",
                          entry.name(), first->second->name(), first->second->where().str(), address));
  }
}

std::map<std::string, providers::HostConfig> read_hosts(const std::vector<Declaration>& entries,
                                                        Diagnostics& diags) {
  std::map<std::string, providers::HostConfig> hosts;
  for (const auto& entry : entries) {
    if (!check_name(entry, diags)) {
      continue;
    }
    hosts[entry.name()] = read_host(entry.name(), entry.yaml(fmt::format("host {}", entry.name())), diags);
  }
  check_addresses_differ(entries, hosts, diags);
  return hosts;
}

// Profiles by name, each a map; keys a profile may not set are reported here,
// once, rather than for each domain using it.
std::map<std::string, YamlMap, std::less<>> read_profiles(const std::vector<Declaration>& entries,
                                                          Diagnostics& diags) {
  std::map<std::string, YamlMap, std::less<>> profiles;
  for (const auto& entry : entries) {
    if (!check_name(entry, diags)) {
      continue;
    }
    std::string context = fmt::format("profile {}", entry.name());
    auto map = entry.yaml(context).as_map(diags);
    if (!map) {
      continue;
    }
    for (auto key : {k_host_key, k_hosts_key, k_profile_key}) {
      if (auto value = map->get(key)) {
        value->error(diags, fmt::format("a profile may not set '{}'", key));
      }
    }
    profiles.emplace(entry.name(), *map);
  }
  return profiles;
}

// Objects in the order plans list them: by address.
void sort_by_address(std::vector<StackObject>& objects) {
  std::sort(objects.begin(), objects.end(),
            [](const StackObject& a, const StackObject& b) { return a.id.address() < b.id.address(); });
}

// StackLoaderRun is one load in progress: the passes that need the whole
// load's state (the hosts, the profiles, the objects so far).
class StackLoaderRun {
public:
  StackLoaderRun(const KindRegistry& kinds, Diagnostics& diags,
                 const std::map<std::string, std::string>& placed)
      : m_kinds(kinds), m_diags(diags), m_placed(placed) {}

  Stack load(const std::vector<SourceFile>& files);

private:
  Collected collect(const std::vector<SourceFile>& files);
  void drop_redeclared(Collected& collected);
  void read_settings(Collected& collected, const std::vector<SourceFile>& files);
  void expand_groups(Collected& collected);
  void place_objects(Collected& collected);
  void place(const ResourceKind& kind, const Declaration& entry);
  void parse_member(const ResourceKind& kind, const Declaration& entry, YamlMap& map, StackObject& object);
  void follow_domains();
  void resolve();
  void expand();
  void check(const std::vector<SourceFile>& files);
  std::vector<std::string> placement(const ResourceKind& kind, YamlMap& map, const Declaration& entry);
  std::vector<std::string> auto_host(const ResourceKind& kind, YamlMap& map, const YamlValue& host,
                                     const Declaration& entry);
  std::optional<PlacementRequest> read_placement(YamlMap& map, const std::string& domain);
  std::optional<std::string> declared_host(const YamlValue& value);
  void apply_profile(YamlMap& map);
  void check_references(const StackObject& object, const ResourceKind& kind,
                        const providers::StackIndex& index);
  void guarded(const ResourceKind& kind, const StackObject& object, const std::function<void()>& call);

  const KindRegistry& m_kinds;
  Diagnostics& m_diags;
  Stack m_stack;
  std::map<std::string, YamlMap, std::less<>> m_profiles;
  const std::map<std::string, std::string>& m_placed;  // auto domain -> its host, when plan chose
  std::set<std::string> m_following;                   // volumes with `host: auto`
};

Stack StackLoaderRun::load(const std::vector<SourceFile>& files) {
  Collected collected = collect(files);  // every file's sections, entry by entry
  drop_redeclared(collected);            // a name declared in two files counts once
  read_settings(collected, files);       // the stack's name, its hosts, its profiles
  expand_groups(collected);              // `count: N` domains become their N members
  place_objects(collected);              // each object on its hosts, read by its kind
  follow_domains();                      // `host: auto` volumes go where their domain is
  resolve();                             // what an object takes from others (a disk's pool)
  expand();                              // the objects the declared ones imply
  check(files);                          // references, each object, then each kind as a whole
  m_stack.sources = files;
  return std::move(m_stack);
}

Collected StackLoaderRun::collect(const std::vector<SourceFile>& files) {
  Names sections{std::string(k_hosts_section), std::string(k_profiles_section)};
  for (const auto& section : m_kinds.sections()) {
    sections.insert(section);
  }
  Collected collected;
  // One of several files may be empty (a redirect's target); a lone one not.
  const EmptyFile empty = files.size() > 1 ? EmptyFile::declares_nothing : EmptyFile::refused;
  for (const auto& file : files) {
    collect_file(file, sections, empty, collected, m_diags);
  }
  return collected;
}

void StackLoaderRun::drop_redeclared(Collected& collected) {
  for (auto& [section, entries] : collected.sections) {
    const ResourceKind* kind = m_kinds.by_section(section);
    std::string what = kind != nullptr              ? std::string(kind->kind())
                       : section == k_hosts_section ? "host"
                                                    : "profile";
    drop_redeclared_entries(what, entries, m_diags);
  }
}

void StackLoaderRun::read_settings(Collected& collected, const std::vector<SourceFile>& files) {
  m_stack.name = read_stack_name(collected, files, m_diags);
  m_stack.hosts = read_hosts(collected.sections[std::string(k_hosts_section)], m_diags);
  m_profiles = read_profiles(collected.sections[std::string(k_profiles_section)], m_diags);
}

void StackLoaderRun::expand_groups(Collected& collected) {
  for (auto kind : {k_domain_kind, k_volume_kind, k_network_kind}) {
    if (m_kinds.by_kind(kind) == nullptr) return;  // a registry without them (tests) has no groups
  }
  auto section = [&](std::string_view kind) -> std::vector<Declaration>& {
    return collected.sections[std::string(m_kinds.by_kind(kind)->section())];
  };
  expand_replica_groups(
      m_stack.name, GroupSections{section(k_domain_kind), section(k_volume_kind), section(k_network_kind)},
      m_diags);
}

void StackLoaderRun::place_objects(Collected& collected) {
  for (const ResourceKind* kind : m_kinds.kinds()) {
    for (const auto& entry : collected.sections[std::string(kind->section())]) {
      place(*kind, entry);
    }
  }
  sort_by_address(m_stack.objects);
}

// resolve() may change an object; references and checks see the result.
// Every lookup across objects goes through an index (StackIndex): linear.
void StackLoaderRun::resolve() {
  const providers::StackIndex index(m_stack.objects);
  for (auto& object : m_stack.objects) {
    const ResourceKind& kind = *m_kinds.by_kind(object.id.kind);
    guarded(kind, object, [&] { kind.resolve(object, index); });
  }
}

void StackLoaderRun::check(const std::vector<SourceFile>& files) {
  const providers::StackIndex index(m_stack.objects);
  for (const auto& object : m_stack.objects) {
    const ResourceKind& kind = *m_kinds.by_kind(object.id.kind);
    check_references(object, kind, index);
    guarded(kind, object, [&] { kind.check(object, index, m_diags); });
  }
  for (const ResourceKind* kind : m_kinds.kinds()) {
    try {
      kind->check_all(index, m_diags);
    } catch (const std::exception& e) {
      m_diags.add(SourceLocation{files.empty() ? "" : files.front().path, 1, 1},
                  fmt::format("internal error in kind {}: {}", kind->kind(), e.what()));
    }
  }
}

void StackLoaderRun::place(const ResourceKind& kind, const Declaration& entry) {
  bool named = check_name(entry, m_diags);
  std::string context = fmt::format("{}.{}", kind.kind(), entry.name());
  auto map = entry.yaml(context).as_map(m_diags);
  if (!named || !map) {
    return;
  }
  for (const auto& host : placement(kind, *map, entry)) {
    // A fresh reader per host: each records what its kind asked for.
    YamlMap object_map(map->node(), map->file(), context);
    object_map.allow({k_host_key, k_hosts_key, k_placement_key});
    if (kind.section() == k_profile_users) {
      apply_profile(object_map);
    }
    StackObject object;
    object.id = ObjectId{std::string(kind.kind()), entry.name(), host};
    object.stack = m_stack.name;
    object.where = entry.where();
    if (entry.member_name.empty()) {
      guarded(kind, object, [&] { kind.parse(object_map, object, m_diags); });
      object_map.report_unknown(m_diags);
    } else {
      parse_member(kind, entry, object_map, object);
      // A group's domains roll together (planner/rolling.h); its volumes
      // go with them.
      if (kind.section() == k_profile_users)
        m_stack.group_members[object.id] = GroupMember{entry.group, entry.max_unavailable};
    }
    m_stack.objects.push_back(std::move(object));
  }
}

// A replica group's member (planner/replica_groups.h) is read from a map
// the group pass built, which has no place in the file: what is said of the
// map itself (a missing key) is said at the group's name instead of 1:1.
void StackLoaderRun::parse_member(const ResourceKind& kind, const Declaration& entry, YamlMap& map,
                                  StackObject& object) {
  Diagnostics said;
  guarded(kind, object, [&] { kind.parse(map, object, said); });
  map.report_unknown(said);
  const SourceLocation nowhere{entry.file, 1, 1};
  for (const auto& diagnostic : said.sorted()) {
    m_diags.add(diagnostic.where == nowhere ? entry.where() : diagnostic.where, diagnostic.message);
  }
}

// Objects the declared ones imply (a domain's cloud-init seed volume), after
// the declared ones are resolved (a seed goes to a disk's resolved pool), then
// resolved themselves; they join the sorted list, so plans stay stable. The
// objects that derived something are resolved again, as they may read what
// they derived (a domain, its seed's content hash).
void StackLoaderRun::expand() {
  std::vector<StackObject> derived;
  std::set<std::tuple<std::string, std::string, std::string>> derived_names;  // kind, host, name
  std::set<ObjectId> deriving;
  const providers::StackIndex declared(m_stack.objects);
  for (const auto* expander : m_kinds.expanders()) {
    for (const auto& object : m_stack.objects) {
      std::vector<StackObject> implied;
      try {
        implied = expander->expand(object, m_diags);
      } catch (const std::exception& e) {
        m_diags.add(object.where,
                    fmt::format("{}: internal error deriving objects: {}", object.id.address(), e.what()));
      }
      for (auto& extra : implied) {
        const ResourceKind* kind = m_kinds.by_kind(extra.id.kind);
        if (kind == nullptr) {
          m_diags.add(object.where, fmt::format("{}: derived {} of unknown kind '{}'", object.id.address(),
                                                extra.id.name, extra.id.kind));
        } else if (const StackObject* it = declared.find(extra.id.kind, extra.id.name, extra.id.host);
                   it != nullptr) {
          // By name, whatever the pool: a stack declares one volume per name
          // and host, so that `volume.NAME@HOST` names one object.
          m_diags.add(it->where,
                      fmt::format("{}: {} '{}' is made by virtplan for {}; the stack "
                                  "must not declare it",
                                  extra.id.address(), extra.id.kind, extra.id.name, object.id.address()));
        } else if (derived_names.insert({extra.id.kind, extra.id.host, extra.id.name}).second) {
          deriving.insert(object.id);
          extra.stack = m_stack.name;
          derived.push_back(std::move(extra));
        }
      }
    }
  }
  if (derived.empty()) {
    return;
  }
  for (auto& object : derived) {
    const ResourceKind& kind = *m_kinds.by_kind(object.id.kind);
    guarded(kind, object, [&] { kind.resolve(object, declared); });
  }
  for (auto& object : derived) {
    m_stack.objects.push_back(std::move(object));
  }
  const providers::StackIndex all(m_stack.objects);  // the derived ones moved the objects
  for (auto& object : m_stack.objects) {
    if (!deriving.contains(object.id)) continue;
    const ResourceKind& kind = *m_kinds.by_kind(object.id.kind);
    guarded(kind, object, [&] { kind.resolve(object, all); });
  }
  sort_by_address(m_stack.objects);
}

// The hosts an object is placed on: `host: X`, `hosts: [X, Y]`, `hosts: all`
// or `host: auto`.
std::vector<std::string> StackLoaderRun::placement(const ResourceKind& kind, YamlMap& map,
                                                   const Declaration& entry) {
  auto host = map.get(k_host_key);
  auto hosts = map.get(k_hosts_key);
  std::vector<std::string> placed;
  const bool automatic = host && host->is_scalar() && host->node().Scalar() == k_auto_host;
  if (auto rules = map.get(k_placement_key); rules && !automatic) {
    rules->error(m_diags, "'placement' needs 'host: auto'");
  }
  if (host && hosts) {
    hosts->error(m_diags, "give either 'host' or 'hosts', not both");
  } else if (automatic) {
    return auto_host(kind, map, *host, entry);
  } else if (host) {
    if (auto name = declared_host(*host)) {
      placed.push_back(*name);
    }
  } else if (!hosts) {
    m_diags.add(entry.where(),
                fmt::format("{}: missing 'host' (or 'hosts: [...]' or 'hosts: all')", map.context()));
  } else if (hosts->is_scalar() && hosts->node().Scalar() == "all") {
    if (m_stack.hosts.empty()) {
      hosts->error(m_diags, "'hosts: all' but the stack declares no hosts");
    }
    for (const auto& [name, config] : m_stack.hosts) {
      placed.push_back(name);
    }
  } else if (!hosts->is_sequence()) {
    hosts->error(m_diags, "expected a list of hosts or 'all'");
  } else {
    auto items = hosts->as_sequence(m_diags);
    if (items && items->empty()) {
      hosts->error(m_diags, "expected at least one host");
    }
    for (const auto& item : items.value_or(std::vector<YamlValue>{})) {
      auto name = declared_host(item);
      if (name && std::find(placed.begin(), placed.end(), *name) != placed.end()) {
        item.error(m_diags, fmt::format("host '{}' is listed twice", *name));
      } else if (name) {
        placed.push_back(*name);
      }
    }
  }
  return placed;
}

// The host of a `host: auto` object for this load: the one plan chose
// (m_placed), else a provisional one, the first candidate by name, so that
// validate checks it as it would any object. A volume goes with its domain
// (follow_domains); here it takes the first host.
std::vector<std::string> StackLoaderRun::auto_host(const ResourceKind& kind, YamlMap& map,
                                                   const YamlValue& host, const Declaration& entry) {
  const std::string name = entry.name();
  if (kind.kind() == k_volume_kind) {
    if (m_stack.hosts.empty()) host.error(m_diags, "'host: auto' but the stack declares no hosts");
    if (m_stack.hosts.empty()) return {};
    if (auto rules = map.get(k_placement_key)) rules->error(m_diags, "'placement' is for domains");
    m_following.insert(name);
    return {m_stack.hosts.begin()->first};
  }
  if (kind.section() != k_profile_users) {
    host.error(m_diags, fmt::format("'host: auto' is for domains and their volumes, not a {}", kind.kind()));
    return {};
  }
  auto request = read_placement(map, name);
  if (!request) return {};
  request->group = entry.group;
  std::vector<std::string> candidates = request->hosts;
  if (candidates.empty()) {
    for (const auto& [host_name, config] : m_stack.hosts) candidates.push_back(host_name);
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.empty()) {
    host.error(m_diags, "'host: auto' but the stack declares no hosts");
    return {};
  }
  m_stack.auto_placed[name] = *request;
  auto chosen = m_placed.find(name);
  return {chosen != m_placed.end() ? chosen->second : candidates.front()};
}

// `placement: {hosts: [...], strategy: spread|pack, anti_affinity: NAME,
// affinity: NAME}`, every key optional.
std::optional<PlacementRequest> StackLoaderRun::read_placement(YamlMap& map, const std::string& domain) {
  PlacementRequest request;
  request.domain = domain;
  auto value = map.get(k_placement_key);
  if (!value) return request;
  auto rules = value->as_map(m_diags);
  if (!rules) return std::nullopt;
  bool valid = true;
  if (auto hosts = rules->get("hosts")) {
    auto items = hosts->as_sequence(m_diags);
    valid = valid && items && !items->empty();
    if (items && items->empty()) hosts->error(m_diags, "expected at least one host");
    for (const auto& item : items.value_or(std::vector<YamlValue>{})) {
      auto name = declared_host(item);
      valid = valid && name;
      if (name) request.hosts.push_back(*name);
    }
  }
  if (auto strategy = rules->get("strategy")) {
    auto text = strategy->as_enum(m_diags, {"spread", "pack"});
    valid = valid && text;
    if (text) request.strategy = *text == "pack" ? PlacementStrategy::pack : PlacementStrategy::spread;
  }
  for (auto [key, group] :
       {std::pair{"anti_affinity", &request.anti_affinity}, std::pair{"affinity", &request.affinity}}) {
    if (auto text = rules->get(key)) {
      auto name = text->as_name(m_diags);
      valid = valid && name;
      if (name) *group = *name;
    }
  }
  rules->report_unknown(m_diags);
  return valid ? std::optional(request) : std::nullopt;
}

// Each `host: auto` volume moves to the host of the one domain whose disks
// use it; with none, or with several on different hosts, it has nowhere to go.
void StackLoaderRun::follow_domains() {
  m_stack.following_volumes = m_following;
  if (m_following.empty()) return;
  std::map<std::string, std::set<std::string>> hosts_of;  // volume -> its users' hosts
  std::map<std::string, std::vector<std::string>> users;  // volume -> its users' addresses
  for (const auto& object : m_stack.objects) {
    const ResourceKind& kind = *m_kinds.by_kind(object.id.kind);
    if (kind.section() != k_profile_users) continue;
    std::vector<providers::Reference> references;
    guarded(kind, object, [&] { references = kind.references(object); });
    for (const auto& reference : references) {
      if (reference.target.kind != k_volume_kind || !m_following.contains(reference.target.name)) continue;
      hosts_of[reference.target.name].insert(object.id.host);
      users[reference.target.name].push_back(object.id.address());
    }
  }
  for (auto& object : m_stack.objects) {
    if (object.id.kind != k_volume_kind || !m_following.contains(object.id.name)) continue;
    const auto& hosts = hosts_of[object.id.name];
    if (hosts.size() == 1) {
      object.id.host = *hosts.begin();
    } else if (hosts.empty()) {
      m_diags.add(object.where,
                  fmt::format("volume.{}: 'host: auto' goes with the domain whose disks use it, "
                              "and no domain's do",
                              object.id.name));
    } else {
      m_diags.add(object.where,
                  fmt::format("volume.{}: 'host: auto' goes with the domain whose disks use it, "
                              "and domains on several hosts do ({})",
                              object.id.name, fmt::join(users[object.id.name], ", ")));
    }
  }
  sort_by_address(m_stack.objects);
}

std::optional<std::string> StackLoaderRun::declared_host(const YamlValue& value) {
  auto name = value.as_string(m_diags);
  if (!name) {
    return std::nullopt;
  }
  if (!m_stack.hosts.contains(*name)) {
    Names known;
    for (const auto& [host, config] : m_stack.hosts) {
      known.insert(host);
    }
    value.error(m_diags,
                fmt::format("host '{}' is not declared in 'hosts:'{}", *name, hint_for(*name, known)));
    return std::nullopt;
  }
  return name;
}

void StackLoaderRun::apply_profile(YamlMap& map) {
  map.allow({k_profile_key});
  auto profile = map.get(k_profile_key);
  if (!profile) {
    return;
  }
  auto name = profile->as_string(m_diags);
  if (!name) {
    return;
  }
  auto found = m_profiles.find(*name);
  if (found == m_profiles.end()) {
    Names known;
    for (const auto& [known_name, profile_map] : m_profiles) {
      known.insert(known_name);
    }
    profile->error(
        m_diags, fmt::format("profile '{}' is not declared in 'profiles:'{}", *name, hint_for(*name, known)));
    return;
  }
  // A fresh reader of the profile, so that its unknown keys are judged by
  // what this kind asks for.
  const YamlMap& shared = found->second;
  YamlMap defaults(shared.node(), shared.file(), shared.context());
  defaults.allow({k_host_key, k_hosts_key, k_profile_key});  // reported once, by read_profiles
  map.set_defaults(std::move(defaults));
}

void StackLoaderRun::check_references(const StackObject& object, const ResourceKind& kind,
                                      const providers::StackIndex& index) {
  std::vector<providers::Reference> references;
  guarded(kind, object, [&] { references = kind.references(object); });
  for (const auto& reference : references) {
    const ObjectId& target = reference.target;
    if (reference.need == providers::Reference::Need::optional) {
      continue;
    }
    if (index.find(target) != nullptr) {
      continue;
    }
    Names on_host;
    std::vector<std::string> elsewhere;
    for (const auto& other : m_stack.objects) {
      if (other.id.kind != target.kind) {
        continue;
      }
      if (other.id.host == target.host) {
        on_host.insert(other.id.name);
      } else if (other.id.name == target.name) {
        elsewhere.push_back(other.id.host);
      }
    }
    // An external object, unless it looks like a slip of the keyboard.
    if (reference.need == providers::Reference::Need::external_unless_typo && elsewhere.empty() &&
        !providers::closest_match(target.name, on_host)) {
      continue;
    }
    std::string message =
        elsewhere.empty()
            ? fmt::format("{}: {} '{}' is not declared in the stack{}", object.id.address(), target.kind,
                          target.name, hint_for(target.name, on_host))
            : fmt::format("{}: {} '{}' is not placed on host {} (it is on {})", object.id.address(),
                          target.kind, target.name, target.host, fmt::join(elsewhere, ", "));
    m_diags.add(reference.where, message);
  }
}

// Calls a kind; a kind that throws (a bug, or a spec it did not expect) is
// reported against the object instead of ending the run.
void StackLoaderRun::guarded(const ResourceKind& kind, const StackObject& object,
                             const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    m_diags.add(object.where,
                fmt::format("{}: internal error in kind {}: {}", object.id.address(), kind.kind(), e.what()));
  }
}

}  // namespace

Stack StackLoader::load(const std::vector<SourceFile>& files, Diagnostics& diags,
                        const std::map<std::string, std::string>& placed) const {
  return StackLoaderRun(m_kinds, diags, placed).load(files);
}

}  // namespace virtplan::planner
