#include "planner/host_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::ErrorCode;
using providers::fail;
using providers::HostConfig;
using providers::Result;
using providers::YamlMap;
using providers::YamlValue;

constexpr std::string_view k_ssh_scheme = "ssh://";

Result<void> bad_address(std::string_view address, std::string_view why) {
  return fail(ErrorCode::invalid,
              fmt::format("invalid address '{}': {} (expected local or ssh://[USER@]HOST[:PORT])",
                          address, why));
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// Splits HOST[:PORT] or [V6]:PORT into config.hostname and config.port.
Result<void> parse_host_port(std::string_view address, std::string_view rest,
                             HostConfig& config) {
  std::string_view host = rest;
  std::string_view port;
  bool has_port = false;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return bad_address(address, "'[' without ']'");
    }
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return bad_address(address, "unexpected text after ']'");
    }
    has_port = !after.empty();
    port = has_port ? after.substr(1) : after;
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.%") != host.npos) {
      return bad_address(address, "invalid IPv6 address");
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      has_port = true;
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.empty()) {
      return bad_address(address, "no host");
    }
    for (char c : host) {
      if (!is_host_char(c)) {
        return bad_address(address, fmt::format("'{}' is not allowed in a host name", c));
      }
    }
  }
  config.hostname = std::string(host);
  config.port = 22;
  if (has_port) {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 1 ||
        number > 65535) {
      return bad_address(address, "the port must be a number from 1 to 65535");
    }
    config.port = number;
  }
  return {};
}

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

}  // namespace

Result<void> parse_address(std::string_view address, HostConfig& config) {
  if (address == "local") {
    config.local = true;
    return {};
  }
  if (!address.starts_with(k_ssh_scheme)) {
    return bad_address(address, "unknown scheme");
  }
  std::string_view rest = address.substr(k_ssh_scheme.size());
  if (rest.ends_with('/')) {
    rest.remove_suffix(1);
  }
  if (rest.find('/') != std::string_view::npos) {
    return bad_address(address, "an address has no path");
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view user = rest.substr(0, at);
    if (user.empty() || user.find_first_of(":@ ") != std::string_view::npos) {
      return bad_address(address, "invalid user");
    }
    config.user = std::string(user);
    rest = rest.substr(at + 1);
  }
  config.local = false;
  return parse_host_port(address, rest, config);
}

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
      if (auto parsed = parse_address(*text, config); !parsed) {
        address->error(diags, parsed.error().message());
      }
    }
  } else {
    map->error(diags, "missing 'address' (local or ssh://[USER@]HOST[:PORT])");
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
  config.identity = read_path(*map, "identity", diags);
  config.known_hosts = read_path(*map, "known_hosts", diags);
  if (auto policy = map->get("host_key")) {
    if (auto text = policy->as_enum(diags, {"strict", "accept-new"})) {
      config.host_key = *text == "strict" ? providers::HostKeyPolicy::strict
                                          : providers::HostKeyPolicy::accept_new;
    }
  }
  if (auto become = map->get("become")) {
    if (auto text = become->as_enum(diags, {"none", "sudo"})) {
      config.become = *text == "sudo" ? providers::Become::sudo : providers::Become::none;
    }
  }
  map->report_unknown(diags);
  return config;
}

}  // namespace virtplan::planner
