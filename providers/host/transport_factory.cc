#include "providers/host/transport_factory.h"

#include "providers/host/command_trace.h"
#include "providers/host/local_transport.h"
#include "providers/host/ssh_transport.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace virtplan::providers {

namespace {

constexpr std::string_view k_scheme = "ssh://";

std::unexpected<Error> bad_address(std::string_view address, std::string_view why) {
  return fail(ErrorCode::invalid,
              fmt::format("address '{}': {} (expected 'local' or ssh://[USER@]HOST[:PORT])", address, why));
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
  if (!address.starts_with(k_scheme)) return bad_address(address, "unknown scheme");
  std::string_view rest = address.substr(k_scheme.size());
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
  config.hostname = std::string(hostname);
  config.port = port;
  return {};
}

}  // namespace virtplan::providers
