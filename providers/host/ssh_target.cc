#include "providers/host/ssh_target.h"

#include <fmt/format.h>

#include <pwd.h>
#include <unistd.h>
#include <cstdlib>

namespace virtplan::providers {

namespace {

bool is_ipv6_literal(const std::string& host) { return host.find(':') != std::string::npos; }

std::string bracketed(const std::string& host) { return is_ipv6_literal(host) ? "[" + host + "]" : host; }

}  // namespace

std::string SshTarget::where() const { return fmt::format("{} ({}:{})", name, bracketed(hostname), port); }

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

Result<SshTarget> resolve_ssh_target(const HostConfig& config) {
  if (config.hostname.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: no hostname to connect to", config.name));
  }
  if (config.port < 1 || config.port > 65535) {
    return fail(ErrorCode::invalid, fmt::format("{}: port {} is out of range", config.name, config.port));
  }
  const std::string ssh_dir = home_directory() + "/.ssh";
  SshTarget target;
  target.name = config.name;
  target.user = config.user;
  target.hostname = config.hostname;
  target.port = config.port;
  target.identity = config.identity;
  target.default_identities = {ssh_dir + "/id_ed25519", ssh_dir + "/id_ecdsa", ssh_dir + "/id_rsa"};
  target.known_hosts = config.known_hosts.value_or(ssh_dir + "/known_hosts");
  target.system_known_hosts = config.known_hosts ? SystemKnownHosts::ignored : SystemKnownHosts::consulted;
  target.host_key = config.host_key;
  target.connect_timeout = config.connect_timeout;
  target.keepalive = config.keepalive;
  return target;
}

}  // namespace virtplan::providers
