#include "providers/host/known_hosts.h"

#include "providers/host/shell_quote.h"
#include "providers/host/ssh_config.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace virtplan::providers {

namespace {

// The server's key as a person compares it: "ssh-ed25519 SHA256:...".
struct ServerKey {
  std::string type;
  std::string fingerprint;
};

Result<ServerKey> server_key(ssh_session session, const SshTarget& target) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK) {
    return fail(ErrorCode::transport, fmt::format("{}: cannot read the server's host key: {}", target.where(),
                                                  ssh_get_error(session)));
  }
  std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)> owned(key, &ssh_key_free);
  unsigned char* hash = nullptr;
  size_t hash_length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_length) != 0) {
    return fail(ErrorCode::transport, fmt::format("{}: cannot hash the server's host key", target.where()));
  }
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_length);
  ssh_clean_pubkey_hash(&hash);
  ServerKey result{ssh_key_type_to_char(ssh_key_type(key)), text != nullptr ? text : "?"};
  ssh_string_free_char(text);
  return result;
}

// Under accept-new the key is written to the known_hosts file, so the next
// connection (and every later one) is checked strictly against it.
Result<void> trust_new_key(ssh_session session, const SshTarget& target) {
  if (ssh_session_update_known_hosts(session) != SSH_OK) {
    return fail(ErrorCode::host_key_unknown,
                fmt::format("{}: host key is not known and cannot be added to {}: {}", target.where(),
                            target.known_hosts, ssh_get_error(session)));
  }
  return {};
}

// The known_hosts files consulted for `target` and a @cert-authority line
// in them for it: "FILE", line.
std::optional<std::pair<std::string, int>> find_cert_authority(const SshTarget& target) {
  std::vector<std::string> files{target.known_hosts};
  if (target.system_known_hosts == SystemKnownHosts::consulted) files.push_back(target.global_known_hosts);
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    if (auto line = cert_authority_line(text.str(), target.known_hosts_name())) return std::pair{file, *line};
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> cert_authority_line(std::string_view text, std::string_view host) {
  std::istringstream lines{std::string(text)};
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    std::istringstream words(line);
    std::string marker, patterns;
    words >> marker >> patterns;
    if (marker != "@cert-authority" || patterns.empty()) continue;
    if (ssh_pattern_list_matches(patterns, host)) return number;
  }
  return std::nullopt;
}

std::string cert_authority_message(const SshTarget& target, std::string_view file, int line,
                                   std::string_view key_type, std::string_view fingerprint) {
  return fmt::format(
      "{}: {}:{} trusts this host through a certificate authority (@cert-authority), but virtplan cannot check "
      "host certificates: its SSH library (libssh 0.10) ignores @cert-authority lines and never asks the server "
      "for its certificate; the host showed its plain key {} {}: check that fingerprint, then trust the key "
      "itself with: ssh-keyscan -t {} -p {} {} >> {}",
      target.where(), file, line, key_type, fingerprint, keyscan_type(key_type), target.port,
      shell_quote(target.hostname), shell_quote(target.known_hosts));
}

Result<std::string> server_key_text(ssh_session session, const SshTarget& target) {
  auto key = server_key(session, target);
  if (!key) return fail(key.error());
  return fmt::format("{} {}", key->type, key->fingerprint);
}

std::string keyscan_type(std::string_view key_type) {
  if (key_type.starts_with("ssh-")) key_type.remove_prefix(4);
  if (key_type.starts_with("ecdsa")) return "ecdsa";
  if (key_type.starts_with("sk-ecdsa")) return "ecdsa-sk";
  return std::string(key_type);
}

std::string unknown_host_key_message(const SshTarget& target, std::string_view key_type,
                                     std::string_view fingerprint) {
  return fmt::format(
      "{}: host key is not known: {} {}; check the fingerprint, then trust it with: "
      "ssh-keyscan -t {} -p {} {} >> {} (or set host_key: accept-new)",
      target.where(), key_type, fingerprint, keyscan_type(key_type), target.port,
      shell_quote(target.hostname), shell_quote(target.known_hosts));
}

std::string changed_host_key_message(const SshTarget& target, std::string_view key_type,
                                     std::string_view fingerprint) {
  std::string also;
  if (target.system_known_hosts == SystemKnownHosts::consulted) {
    also = fmt::format(" (the old key may also be in {})", target.global_known_hosts);
  }
  return fmt::format(
      "{}: WARNING: the host key has CHANGED: the host now presents {} {}, which does not "
      "match the key in {} for it; someone may be intercepting the connection "
      "(man-in-the-middle), or the host was reinstalled; if you are sure, remove the old key "
      "with: ssh-keygen -f {} -R {}{}",
      target.where(), key_type, fingerprint, target.known_hosts, shell_quote(target.known_hosts),
      shell_quote(target.known_hosts_name()), also);
}

Result<void> verify_host_key(ssh_session session, const SshTarget& target) {
  // Read the key first: every outcome but OK names its fingerprint.
  auto key = server_key(session, target);
  if (!key) return fail(key.error());
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return {};
    // A key of another type on file is treated as a change: accepting it would
    // let an attacker pick an algorithm the real host never used.
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return fail(ErrorCode::host_key_changed, changed_host_key_message(target, key->type, key->fingerprint));
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (auto authority = find_cert_authority(target)) {
        return fail(
            ErrorCode::host_key_unknown,
            cert_authority_message(target, authority->first, authority->second, key->type, key->fingerprint));
      }
      if (target.host_key == HostKeyPolicy::accept_new) return trust_new_key(session, target);
      return fail(ErrorCode::host_key_unknown, unknown_host_key_message(target, key->type, key->fingerprint));
    case SSH_KNOWN_HOSTS_ERROR:
      break;
  }
  return fail(ErrorCode::host_key_unknown,
              fmt::format("{}: cannot check the host key against {}: {}", target.where(), target.known_hosts,
                          ssh_get_error(session)));
}

}  // namespace virtplan::providers
