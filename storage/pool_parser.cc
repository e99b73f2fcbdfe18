#include "storage/pool_parser.h"

#include "storage/pool_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace virtplan::storage {
namespace {

using providers::Diagnostics;
using providers::StackObject;
using providers::YamlMap;
using providers::YamlValue;

constexpr std::string_view k_all_source_keys[] = {"device", "host", "port",      "dir",    "name",
                                                  "format", "iqn",  "initiator", "adapter"};
constexpr int k_max_port = 65535;

// libvirt's IscsiQualifiedName pattern (storagepool.rng).
bool is_iqn(const std::string& text) {
  static const std::regex k_iqn(R"(iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-zA-Z0-9.\-]+(:.+)?)");
  return std::regex_match(text, k_iqn);
}

// A Fibre Channel world wide name: 16 hex digits.
bool is_wwn(const std::string& text) {
  static const std::regex k_wwn("(0x)?[0-9a-fA-F]{16}");
  return std::regex_match(text, k_wwn);
}

std::string join(const std::vector<std::string_view>& words) {
  return fmt::format("{}", fmt::join(words, ", "));
}

std::optional<std::string> read_choice(const YamlValue& value, Diagnostics& diags,
                                       const std::vector<std::string_view>& allowed) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *text) != allowed.end()) return text;
  std::set<std::string, std::less<>> candidates(allowed.begin(), allowed.end());
  auto match = providers::closest_match(*text, candidates);
  value.error(diags, fmt::format("expected one of {}, got '{}'{}", join(allowed), *text,
                                 match ? fmt::format(" (did you mean '{}'?)", *match) : ""));
  return std::nullopt;
}

std::optional<std::string> read_path(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  auto path = clean_absolute_path(*text);
  if (!path) value.error(diags, fmt::format("'{}' is not an absolute path", *text));
  return path;
}

// An iSCSI target as libvirt takes it (<device path=...>): any name without
// blanks. Targets that are not in IQN form (eui., naa., a portal's own
// naming) are legitimate, and libvirt defines them.
std::optional<std::string> read_target(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (text && (text->empty() || text->find_first_of(" \t\r\n") != std::string::npos)) {
    value.error(diags, fmt::format("invalid iSCSI target '{}' (a name without blanks, like "
                                   "iqn.2013-06.com.example:target)",
                                   *text));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> read_iqn(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (text && !is_iqn(*text)) {
    value.error(diags, fmt::format("invalid iSCSI qualified name '{}' (expected like "
                                   "iqn.2013-06.com.example:target)",
                                   *text));
    return std::nullopt;
  }
  return text;
}

void read_devices(const YamlValue& value, Diagnostics& diags, PoolType type, PoolSource& source) {
  std::vector<YamlValue> items;
  if (value.is_sequence()) {
    items = value.as_sequence(diags).value_or(std::vector<YamlValue>{});
  } else {
    items.push_back(value);
  }
  for (const YamlValue& item : items) {
    if (auto path = read_path(item, diags)) source.devices.push_back(*path);
  }
  if (type != PoolType::logical && items.size() > 1) {
    value.error(diags, fmt::format("a {} pool takes one device", to_string(type)));
  }
}

std::optional<PoolAdapter> read_adapter(const YamlValue& value, Diagnostics& diags) {
  auto map = value.as_map(diags);
  if (!map) return std::nullopt;
  PoolAdapter adapter;
  if (auto type = map->get("type")) {
    adapter.type = type->as_enum(diags, {"scsi_host", "fc_host"}).value_or("scsi_host");
  }
  if (auto name = map->get("name")) adapter.name = name->as_string(diags);
  if (auto parent = map->get("parent")) adapter.parent = parent->as_string(diags);
  for (auto [key, field] : {std::pair{"wwnn", &adapter.wwnn}, std::pair{"wwpn", &adapter.wwpn}}) {
    auto item = map->get(key);
    if (!item) continue;
    *field = item->as_string(diags);
    if (*field && !is_wwn(**field)) {
      item->error(diags, fmt::format("invalid {} '{}' (16 hex digits)", key, **field));
    }
  }
  map->report_unknown(diags);
  if (adapter.type == "scsi_host" && !adapter.name) {
    map->error(diags, "a scsi_host adapter needs 'name' (like host0)");
  }
  if (adapter.type == "fc_host" && (!adapter.wwnn || !adapter.wwpn)) {
    map->error(diags, "an fc_host adapter needs 'wwnn' and 'wwpn'");
  }
  return adapter;
}

void read_source_key(std::string_view key, const YamlValue& value, Diagnostics& diags, PoolType type,
                     PoolSource& source) {
  if (key == "device") {
    read_devices(value, diags, type, source);
  } else if (key == "host") {
    source.host = value.as_string(diags);
  } else if (key == "port") {
    auto port = value.as_int(diags);
    if (port && (*port < 1 || *port > k_max_port)) {
      value.error(diags, fmt::format("port {} is out of range (1-{})", *port, k_max_port));
    } else if (port) {
      source.port = static_cast<int>(*port);
    }
  } else if (key == "dir") {
    source.dir = value.as_string(diags);
  } else if (key == "name") {
    source.name = value.as_string(diags);
  } else if (key == "format") {
    source.format = read_choice(value, diags, pool_formats(type));
  } else if (key == "iqn") {
    source.iqn = read_target(value, diags);
  } else if (key == "initiator") {
    source.initiator = read_iqn(value, diags);
  } else if (key == "adapter") {
    source.adapter = read_adapter(value, diags);
  }
}

PoolSource read_source(YamlMap* map, Diagnostics& diags, PoolType type, const YamlMap& pool) {
  PoolSource source;
  std::vector<std::string_view> allowed = pool_source_keys(type);
  std::set<std::string_view> given;
  for (std::string_view key : k_all_source_keys) {
    std::optional<YamlValue> value = map ? map->get(key) : std::nullopt;
    if (!value) continue;
    given.insert(key);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      value->error(diags, fmt::format("'{}' is not used by {} pools{}", key, to_string(type),
                                      allowed.empty() ? std::string(" (they take no source)")
                                                      : fmt::format(" (they take {})", join(allowed))));
      continue;
    }
    read_source_key(key, *value, diags, type, source);
  }
  if (map) map->report_unknown(diags);
  for (std::string_view key : pool_required_source_keys(type)) {
    if (given.contains(key)) continue;
    std::string message = fmt::format("a {} pool needs source.{}", to_string(type), key);
    if (map) {
      map->error(diags, message);
    } else {
      pool.error(diags, message);
    }
  }
  return source;
}

// Fills in what libvirt fills in, so that it reads back unchanged.
void fill_defaults(PoolSpec& spec, const std::string& pool_name) {
  if (!spec.source.format) {
    if (auto format = default_pool_format(spec.type)) spec.source.format = std::string(*format);
  }
  if (spec.type == PoolType::logical && !spec.source.name) spec.source.name = pool_name;
  if (!spec.path && spec.type == PoolType::logical) spec.path = "/dev/" + *spec.source.name;
  if (!spec.path) {
    if (auto path = default_pool_path(spec.type)) spec.path = std::string(*path);
  }
}

void read_target_path(YamlMap& map, Diagnostics& diags, PoolSpec& spec, StackObject& object) {
  auto value = map.get("path");
  if (!value) {
    if (pool_needs_path(spec.type)) {
      map.error(diags, fmt::format("a {} pool needs 'path' (where its volumes live)", to_string(spec.type)));
    }
    return;
  }
  if (!pool_has_target(spec.type)) {
    value->error(diags, fmt::format("a {} pool has no target path", to_string(spec.type)));
    return;
  }
  spec.path = read_path(*value, diags);
  if (spec.path) object.locations["/path"] = value->where();
}

}  // namespace

std::optional<std::string> clean_absolute_path(std::string_view path) {
  if (!path.starts_with('/')) return std::nullopt;
  std::string clean;
  for (char c : path) {
    if (c == '/' && !clean.empty() && clean.back() == '/') continue;
    clean += c;
  }
  if (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

void parse_pool(YamlMap& map, StackObject& object, Diagnostics& diags) {
  PoolSpec spec;
  auto type_value = map.get("type");
  if (!type_value) {
    map.error(diags, "a pool needs 'type' (dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath)");
  } else if (auto text = type_value->as_enum(diags, {"dir", "fs", "netfs", "logical", "disk", "iscsi",
                                                     "iscsi-direct", "scsi", "mpath"})) {
    spec.type = *pool_type_from_string(*text);
    object.locations["/type"] = type_value->where();
  }
  read_target_path(map, diags, spec, object);
  std::optional<YamlMap> source_map;
  if (auto source = map.get("source"); source && !source->is_null()) {
    source_map = source->as_map(diags);
    if (source_map) object.locations["/source"] = source->where();
  }
  spec.source = read_source(source_map ? &*source_map : nullptr, diags, spec.type, map);
  spec.autostart = true;
  if (auto value = map.get("autostart")) spec.autostart = value->as_bool(diags).value_or(true);
  // A pool left stopped stays stopped when the stack says so (import writes
  // `active: false` for one it found stopped).
  // Left out, it is the default (true): reconcile() says so where a host was read.
  if (auto value = map.get("active")) spec.active = value->as_bool(diags).value_or(true);
  fill_defaults(spec, object.id.name);
  object.spec = spec.to_json();
  // Whether the pool's storage is the same on every host that declares it
  // (a cluster filesystem, an NFS mount virtplan does not manage): the
  // stack's word alone, read by PoolKind::shares_storage.
  if (auto value = map.get("shared")) {
    if (auto shared = value->as_bool(diags)) object.spec["shared"] = *shared;
  }
}

}  // namespace virtplan::storage
