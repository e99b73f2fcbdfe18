#include "planner/host_reader.h"

#include "providers/host/transport_factory.h"

#include <fmt/format.h>

#include <pwd.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::HostConfig;
using providers::YamlMap;
using providers::YamlValue;

std::string home() {
  if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
    return env;
  }
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return "/";
}

std::optional<std::string> read_path(YamlMap& map, std::string_view key, Diagnostics& diags) {
  auto value = map.get(key);
  if (!value) {
    return std::nullopt;
  }
  auto text = value->as_string(diags);
  if (text && text->empty()) {
    value->error(diags, fmt::format("'{}' may not be empty", key));
    return std::nullopt;
  }
  return text ? std::optional(expand_home(*text)) : std::nullopt;
}

// The SSH timings a host entry may set: how long a connection may take, and
// how often an idle session says it is alive (0: never).
struct SecondsKey {
  std::string_view key;
  std::int64_t least;
  std::int64_t most;
  void (*set)(HostConfig&, std::int64_t);
};

// The stack's own timings win over ssh_config's ConnectTimeout and
// ServerAliveInterval.

constexpr SecondsKey k_seconds_keys[] = {
    {"connect_timeout", 1, 3600,
     [](HostConfig& config, std::int64_t s) {
       config.connect_timeout = std::chrono::seconds(s);
       config.given.connect_timeout = true;
     }},
    {"keepalive", 0, 3600,
     [](HostConfig& config, std::int64_t s) {
       config.keepalive = std::chrono::seconds(s);
       config.given.keepalive = true;
     }},
};

void read_timings(YamlMap& map, HostConfig& config, Diagnostics& diags) {
  for (const SecondsKey& timing : k_seconds_keys) {
    auto value = map.get(timing.key);
    if (!value) continue;
    if (auto seconds = value->as_seconds(diags, timing.key, timing.least, timing.most)) {
      timing.set(config, *seconds);
    }
  }
}

// A ratio such as 1.5: more than 0, at most 100 (a typo's bound, not a policy).
std::optional<double> read_ratio(YamlMap& map, std::string_view key, Diagnostics& diags) {
  auto value = map.get(key);
  if (!value) return std::nullopt;
  auto text = value->as_string(diags);
  if (!text) return std::nullopt;
  double ratio = 0;
  auto [end, problem] = std::from_chars(text->data(), text->data() + text->size(), ratio);
  if (problem != std::errc() || end != text->data() + text->size() || !(ratio > 0 && ratio <= 100)) {
    value->error(
        diags,
        fmt::format("'{}' must be a ratio more than 0 and at most 100 (such as 1.5), not '{}'", key, *text));
    return std::nullopt;
  }
  return ratio;
}

// The limits placement keeps to on this host (planner/placement.h).
void read_limits(YamlMap& map, HostConfig& config, Diagnostics& diags) {
  if (auto ratio = read_ratio(map, "cpu_overcommit", diags)) config.cpu_overcommit = *ratio;
  if (auto ratio = read_ratio(map, "memory_overcommit", diags)) config.memory_overcommit = *ratio;
  if (auto reserved = map.get("reserved_memory")) {
    if (auto size = reserved->as_size(diags)) config.reserved_memory = *size;
  }
  if (auto maintenance = map.get("maintenance")) {
    if (auto flag = maintenance->as_bool(diags)) config.maintenance = *flag;
  }
}

}  // namespace

std::string expand_home(const std::string& path) {
  if (path == "~") {
    return home();
  }
  if (path.starts_with("~/")) {
    return home() + path.substr(1);
  }
  return path;
}

HostConfig read_host(const std::string& name, const YamlValue& value, Diagnostics& diags) {
  HostConfig config;
  config.name = name;
  auto map = value.as_map(diags);
  if (!map) {
    return config;
  }
  if (auto address = map->get("address")) {
    if (auto text = address->as_string(diags)) {
      if (auto parsed = providers::parse_host_address(*text, config); !parsed) {
        address->error(diags, parsed.error().message());
      }
    }
  } else {
    map->error(diags,
               "missing 'address' (local, ssh://[USER@]HOST[:PORT] or qemu+ssh://[USER@]HOST[:PORT]/system)");
  }
  if (auto uri = map->get("libvirt")) {
    if (auto text = uri->as_string(diags)) {
      if (text->find(":") == std::string::npos) {
        uri->error(diags, fmt::format("'{}' is not a libvirt URI (such as qemu:///system)", *text));
      } else {
        config.libvirt_uri = *text;
      }
    }
  }
  // A qemu+ssh:// address may have set these already (keyfile=,
  // known_hosts=); the keys of the entry win.
  if (auto identity = read_path(*map, "identity", diags)) config.identity = identity;
  if (auto known_hosts = read_path(*map, "known_hosts", diags)) config.known_hosts = known_hosts;
  config.ssh_config = read_path(*map, "ssh_config", diags);
  if (auto policy = map->get("host_key")) {
    if (auto text = policy->as_enum(diags, {"strict", "accept-new"})) {
      config.host_key =
          *text == "strict" ? providers::HostKeyPolicy::strict : providers::HostKeyPolicy::accept_new;
      config.given.host_key = true;
    }
  }
  if (auto become = map->get("become")) {
    if (auto text = become->as_enum(diags, {"none", "sudo"})) {
      config.become = *text == "sudo" ? providers::Become::sudo : providers::Become::none;
    }
  }
  read_timings(*map, config, diags);
  if (auto cache = map->get("image_cache")) {
    // A path on the host, handed to its shell as an argument: absolute, and
    // printable, since it shows in messages.
    auto text = cache->as_string(diags);
    const bool printable =
        text && std::all_of(text->begin(), text->end(), [](char c) { return c >= ' ' && c < 0x7f; });
    if (text && (!text->starts_with("/") || !printable)) {
      cache->error(diags, fmt::format("'image_cache' must be an absolute path on the host, not '{}'",
                                      printable ? *text : std::string("(unprintable)")));
    } else if (text) {
      config.image_cache = *text;
    }
  }
  read_limits(*map, config, diags);
  map->report_unknown(diags);
  return config;
}

}  // namespace virtplan::planner
