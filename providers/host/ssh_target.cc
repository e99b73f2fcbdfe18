#include "providers/host/ssh_target.h"

#include "providers/base/plain_text.h"
#include "providers/host/ssh_config.h"
#include "providers/host/transport_factory.h"

#include <fmt/format.h>

#include <pwd.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>

namespace virtplan::providers {

namespace {

bool is_ipv6_literal(const std::string& host) { return host.find(':') != std::string::npos; }

std::string bracketed(const std::string& host) { return is_ipv6_literal(host) ? "[" + host + "]" : host; }

}  // namespace

std::string SshTarget::where() const {
  if (jumps.empty()) return fmt::format("{} ({}:{})", name, bracketed(hostname), port);
  std::string via;
  for (const SshTarget& hop : jumps) via += (via.empty() ? "" : ", ") + hop.name;
  return fmt::format("{} ({}:{} via {})", name, bracketed(hostname), port, via);
}

std::string SshTarget::known_hosts_name() const {
  // OpenSSH writes the bare host for port 22 and "[host]:port" otherwise.
  if (port == 22) return hostname;
  return fmt::format("[{}]:{}", hostname, port);
}

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr) return entry->pw_dir;
  return "/";
}

namespace {

// ProxyJump chains longer than this are taken for a loop (a hop whose own
// ProxyJump leads back to itself).
constexpr int k_max_jump_depth = 8;

Result<SshTarget> resolve(const HostConfig& config, int depth);

Result<HostKeyPolicy> host_key_policy(const HostConfig& config, const SshConfigOptions& options) {
  if (config.given.host_key || !options.strict_host_key_checking) return config.host_key;
  const std::string& value = *options.strict_host_key_checking;
  if (value == "yes" || value == "ask") return HostKeyPolicy::strict;
  if (value == "accept-new") return HostKeyPolicy::accept_new;
  return fail(
      ErrorCode::invalid,
      fmt::format("{}: ssh_config sets `StrictHostKeyChecking {}` for {}: virtplan never talks to a host "
                  "whose key it has not checked (anyone on the path could pose as it); use "
                  "`StrictHostKeyChecking accept-new` (or host_key: accept-new) to trust a new host's "
                  "key on first contact",
                  config.name, value, config.hostname));
}

// The hops of a ProxyJump value, each resolved through the same configuration
// as a host of its own. The first hop's own ProxyJump is followed (it is how
// one reaches the first hop); the later hops go through the earlier ones.
Result<std::vector<SshTarget>> resolve_jumps(const HostConfig& config, std::string_view proxy_jump,
                                             int depth) {
  std::vector<SshTarget> chain;
  size_t start = 0;
  while (start <= proxy_jump.size()) {
    const size_t comma = std::min(proxy_jump.find(',', start), proxy_jump.size());
    std::string spec(trimmed(proxy_jump.substr(start, comma - start)));
    start = comma + 1;
    if (spec.empty()) continue;
    HostConfig hop;
    hop.name = "bastion " + spec;
    hop.ssh_config = config.ssh_config;
    // The stack's trust decisions hold for every hop: the same known_hosts
    // file and policy; its key and timings are the target's own business.
    hop.known_hosts = config.known_hosts;
    hop.host_key = config.host_key;
    hop.given.host_key = config.given.host_key;
    const std::string address = spec.starts_with("ssh://") ? spec : "ssh://" + spec;
    if (auto parsed = parse_host_address(address, hop); !parsed) {
      return fail(ErrorCode::invalid,
                  fmt::format("{}: ProxyJump hop '{}': {}", config.name, spec, parsed.error().message()));
    }
    auto target = resolve(hop, depth + 1);
    if (!target) return fail(target.error());
    if (chain.empty()) {
      chain = std::move(target->jumps);
    }
    target->jumps.clear();
    chain.push_back(std::move(*target));
  }
  return chain;
}

Result<SshTarget> resolve(const HostConfig& config, int depth) {
  if (config.hostname.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: no hostname to connect to", config.name));
  }
  if (depth > k_max_jump_depth) {
    return fail(ErrorCode::invalid,
                fmt::format("{}: ProxyJump chain longer than {} hops (a loop in ssh_config?)", config.name,
                            k_max_jump_depth));
  }
  auto options = read_ssh_config(ssh_config_files(config.ssh_config), config.hostname,
                                 config.given.user ? std::optional(config.user) : std::nullopt);
  if (!options) {
    return fail(ErrorCode::invalid, fmt::format("{}: {}", config.name, options.error().message()));
  }
  SshTarget target;
  target.name = config.name;
  target.user = config.given.user ? config.user : options->user.value_or(config.user);
  target.port = config.given.port ? config.port : options->port.value_or(config.port);
  if (target.port < 1 || target.port > 65535) {
    return fail(ErrorCode::invalid, fmt::format("{}: port {} is out of range", config.name, target.port));
  }
  SshTokens tokens{config.hostname, config.hostname, target.user, target.port};
  if (options->hostname) {
    auto hostname = expand_ssh_tokens(*options->hostname, tokens);
    if (!hostname)
      return fail(ErrorCode::invalid,
                  fmt::format("{}: HostName {}", config.name, hostname.error().message()));
    target.hostname = *hostname;
  } else {
    target.hostname = config.hostname;
  }
  tokens.hostname = target.hostname;
  const auto expand = [&](const std::string& value, std::string_view keyword) -> Result<std::string> {
    auto expanded = expand_ssh_tokens(value, tokens);
    if (!expanded) {
      return fail(ErrorCode::invalid,
                  fmt::format("{}: ssh_config {} {}", config.name, keyword, expanded.error().message()));
    }
    return expanded;
  };
  const std::string ssh_dir = home_directory() + "/.ssh";
  target.identity = config.identity;
  target.default_identities = {ssh_dir + "/id_ed25519", ssh_dir + "/id_ecdsa", ssh_dir + "/id_rsa"};
  if (!options->identity_files.empty()) {
    // As in OpenSSH, IdentityFile lines replace the default files.
    target.default_identities.clear();
    for (const std::string& file : options->identity_files) {
      auto path = expand(file, "IdentityFile");
      if (!path) return fail(path.error());
      target.default_identities.push_back(std::move(*path));
    }
  }
  for (const std::string& file : options->certificate_files) {
    auto path = expand(file, "CertificateFile");
    if (!path) return fail(path.error());
    target.certificate_files.push_back(std::move(*path));
  }
  target.identities_only = options->identities_only.value_or(false);
  if (options->identity_agent) {
    auto agent = *options->identity_agent == "SSH_AUTH_SOCK" || *options->identity_agent == "none"
                     ? Result<std::string>(*options->identity_agent)
                     : expand(*options->identity_agent, "IdentityAgent");
    if (!agent) return fail(agent.error());
    if (*agent != "SSH_AUTH_SOCK") target.identity_agent = std::move(*agent);
  }
  if (config.known_hosts) {
    target.known_hosts = *config.known_hosts;
    target.system_known_hosts = SystemKnownHosts::ignored;
  } else {
    auto user_file =
        expand(options->user_known_hosts_file.value_or(ssh_dir + "/known_hosts"), "UserKnownHostsFile");
    if (!user_file) return fail(user_file.error());
    target.known_hosts = std::move(*user_file);
    if (options->global_known_hosts_file) {
      auto global = expand(*options->global_known_hosts_file, "GlobalKnownHostsFile");
      if (!global) return fail(global.error());
      target.global_known_hosts = std::move(*global);
    }
  }
  auto policy = host_key_policy(config, *options);
  if (!policy) return fail(policy.error());
  target.host_key = *policy;
  target.connect_timeout = config.connect_timeout;
  if (!config.given.connect_timeout && options->connect_timeout.value_or(0) > 0) {
    target.connect_timeout = std::chrono::seconds(*options->connect_timeout);
  }
  target.keepalive = config.keepalive;
  if (!config.given.keepalive && options->server_alive_interval) {
    target.keepalive = std::chrono::seconds(*options->server_alive_interval);
  }
  target.keepalive_count = options->server_alive_count_max.value_or(config.keepalive_count);
  target.warnings = std::move(options->warnings);
  if (options->proxy_jump && lowercase(*options->proxy_jump) != "none") {
    auto jumps = resolve_jumps(config, *options->proxy_jump, depth);
    if (!jumps) return fail(jumps.error());
    target.jumps = std::move(*jumps);
    for (const SshTarget& hop : target.jumps) {
      for (const std::string& warning : hop.warnings) {
        if (std::ranges::find(target.warnings, warning) == target.warnings.end())
          target.warnings.push_back(warning);
      }
    }
  }
  return target;
}

}  // namespace

Result<SshTarget> resolve_ssh_target(const HostConfig& config) { return resolve(config, 0); }

std::string jump_chain_key(const std::vector<SshTarget>& chain) {
  std::string key;
  for (const SshTarget& hop : chain) {
    if (!key.empty()) key += '>';
    key += fmt::format("{}@{}:{}", hop.user, bracketed(hop.hostname), hop.port);
  }
  return key;
}

}  // namespace virtplan::providers
