#include "providers/host/transport_factory.h"

#include "providers/host/command_trace.h"
#include "providers/host/local_transport.h"
#include "providers/host/ssh_transport.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

namespace virtplan::providers {

namespace {

constexpr std::string_view k_scheme = "ssh://";

std::unexpected<Error> bad_address(std::string_view address, std::string_view why) {
  return fail(ErrorCode::invalid,
              fmt::format("address '{}': {} (expected 'local', ssh://[USER@]HOST[:PORT] or "
                          "qemu+ssh://[USER@]HOST[:PORT]/system)",
                          address, why));
}

// The libvirt URI schemes that name an SSH transport (libvirt's own ssh,
// libssh and libssh2 drivers): virtplan reaches such a host with its own
// SSH client and runs virsh there against the local driver.
constexpr std::string_view k_libvirt_ssh_schemes[] = {"qemu+ssh://", "qemu+libssh://", "qemu+libssh2://"};

// What virtplan does with each query parameter of a qemu+ssh:// URI.
enum class UriParameter { identity, known_hosts, harmless, refused_no_verify, refused };

struct UriParameterRule {
  std::string_view name;
  UriParameter meaning;
};

constexpr UriParameterRule k_uri_parameters[] = {
    {"keyfile", UriParameter::identity},
    {"known_hosts", UriParameter::known_hosts},
    {"no_tty", UriParameter::harmless},
    {"no_verify", UriParameter::refused_no_verify},
    {"known_hosts_verify", UriParameter::refused_no_verify},
};

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Applies "keyfile=...&known_hosts=..." to `config`.
Result<void> apply_uri_query(std::string_view address, std::string_view query, HostConfig& config) {
  size_t start = 0;
  while (start < query.size()) {
    const size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string name(pair.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? std::string() : percent_decoded(pair.substr(eq + 1));
    const auto* rule = std::ranges::find(k_uri_parameters, name, &UriParameterRule::name);
    const UriParameter meaning = rule == std::end(k_uri_parameters) ? UriParameter::refused : rule->meaning;
    switch (meaning) {
      case UriParameter::identity:
        if (value.empty()) return bad_address(address, "keyfile= is empty");
        config.identity = value;
        break;
      case UriParameter::known_hosts:
        if (value.empty()) return bad_address(address, "known_hosts= is empty");
        config.known_hosts = value;
        break;
      case UriParameter::harmless:
        break;
      case UriParameter::refused_no_verify:
        if (value == "0" || value == "normal") break;
        return bad_address(address,
                           fmt::format("{}={} is refused: virtplan always checks the host key, since "
                                       "an unchecked host may be anyone on the path, who would then be "
                                       "given every command; use host_key: accept-new to trust a new "
                                       "host's key on first contact",
                                       name, value));
      case UriParameter::refused:
        return bad_address(address, fmt::format("parameter '{}' is not supported (virtplan takes keyfile, "
                                                "known_hosts and no_tty)",
                                                name));
    }
  }
  return {};
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

// A host name or IPv4 address: no leading '-', so it can never pass for an
// option in the ssh-keyscan and ssh-keygen hints built from it.
bool valid_name(std::string_view host) {
  return !host.empty() && host.front() != '-' && std::ranges::all_of(host, is_name_char);
}

bool valid_ipv6(std::string_view host) {
  return host.find(':') != std::string_view::npos && std::ranges::all_of(host, is_ipv6_char);
}

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// Splits "HOST[:PORT]" or "[V6]:PORT" into the host and what follows it.
Result<std::pair<std::string_view, std::string_view>> split_host(std::string_view address,
                                                                 std::string_view rest) {
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_address(address, "unclosed '['");
    const std::string_view host = rest.substr(1, close - 1);
    if (!valid_ipv6(host)) return bad_address(address, fmt::format("'{}' is not an IPv6 address", host));
    return std::pair{host, rest.substr(close + 1)};
  }
  const size_t colon = rest.find(':');
  const std::string_view host = rest.substr(0, colon);
  if (!valid_name(host)) {
    return bad_address(address, host.empty() ? "no host" : fmt::format("'{}' is not a host name", host));
  }
  return std::pair{host, colon == std::string_view::npos ? std::string_view() : rest.substr(colon)};
}

}  // namespace

// Every host's transport is made here, so the command trace sees every
// command sent to a host (command_trace.h).
Result<std::unique_ptr<Transport>> make_transport(const HostConfig& config) {
  if (config.local) return traced(std::make_unique<LocalTransport>());
  auto transport = SshTransport::create(config);
  if (!transport) return fail(transport.error());
  return traced(std::move(*transport));
}

Result<void> parse_host_address(std::string_view address, HostConfig& config) {
  if (address == "local") {
    config.local = true;
    return {};
  }
  std::optional<std::string_view> libvirt_scheme;
  for (std::string_view scheme : k_libvirt_ssh_schemes) {
    if (address.starts_with(scheme)) libvirt_scheme = scheme;
  }
  if (!address.starts_with(k_scheme) && !libvirt_scheme) return bad_address(address, "unknown scheme");
  std::string_view rest = address.substr(libvirt_scheme ? libvirt_scheme->size() : k_scheme.size());
  if (libvirt_scheme) {
    // qemu+ssh://[USER@]HOST[:PORT]/PATH[?QUERY]: the path picks the driver
    // instance, virsh runs on the host against it.
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return bad_address(address, "no path (such as /system)");
    std::string_view path = rest.substr(slash);
    std::string_view query;
    if (const size_t question = path.find('?'); question != std::string_view::npos) {
      query = path.substr(question + 1);
      path = path.substr(0, question);
    }
    if (path != "/system" && path != "/session") {
      return bad_address(address, fmt::format("path '{}' is not /system or /session", path));
    }
    if (auto applied = apply_uri_query(address, query, config); !applied) return applied;
    config.libvirt_uri = fmt::format("qemu://{}", path);
    rest = rest.substr(0, slash);
  }
  std::optional<std::string_view> user;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    user = rest.substr(0, at);
    if (!valid_name(*user)) return bad_address(address, fmt::format("'{}' is not a user name", *user));
    rest = rest.substr(at + 1);
  }
  auto host = split_host(address, rest);
  if (!host) return fail(host.error());
  const auto [hostname, tail] = *host;
  int port = 22;
  if (!tail.empty()) {
    auto parsed = tail.starts_with(':') ? parse_port(tail.substr(1)) : std::nullopt;
    if (!parsed) return bad_address(address, fmt::format("bad port or trailing text '{}'", tail));
    port = *parsed;
  }
  config.local = false;
  if (user) config.user = std::string(*user);
  config.given.user = user.has_value();
  config.given.port = !tail.empty();
  config.hostname = std::string(hostname);
  config.port = port;
  return {};
}

}  // namespace virtplan::providers
