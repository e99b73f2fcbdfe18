#include "providers/host/ssh_auth.h"

#include "providers/host/ssh_certificate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace virtplan::providers {

namespace {

using KeyPointer = std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)>;

enum class Outcome { accepted, refused, session_lost };

Outcome outcome_of(ssh_session session, int rc) {
  if (rc == SSH_AUTH_SUCCESS) return Outcome::accepted;
  // A server that gave up on us (MaxAuthTries) leaves nothing more to try.
  if ((ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) return Outcome::session_lost;
  return Outcome::refused;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The certificates to offer with the key at `path`: ssh_config's
// CertificateFile lines, then PATH-cert.pub beside the key, as OpenSSH.
std::vector<std::string> certificates_for(const SshTarget& target, const std::string& path) {
  std::vector<std::string> files = target.certificate_files;
  std::error_code ignored;
  const std::string beside = path + "-cert.pub";
  if (std::filesystem::exists(beside, ignored) && std::ranges::find(files, beside) == files.end()) {
    files.push_back(beside);
  }
  return files;
}

// Offers the key with one certificate. A certificate of another key (a
// CertificateFile meant for another IdentityFile) is skipped silently.
Outcome try_certificate(ssh_session session, const SshTarget& target, const std::string& path,
                        const std::string& certificate_path, std::vector<std::string>& tried) {
  ssh_key certificate = nullptr;
  if (ssh_pki_import_cert_file(certificate_path.c_str(), &certificate) != SSH_OK) {
    tried.push_back(
        fmt::format("{} with certificate {} (the certificate cannot be read)", path, certificate_path));
    return Outcome::refused;
  }
  KeyPointer owned_certificate(certificate, &ssh_key_free);
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK)
    return Outcome::refused;
  KeyPointer owned(key, &ssh_key_free);
  if (ssh_pki_copy_cert_to_privkey(certificate, key) != SSH_OK) return Outcome::refused;
  const Outcome outcome = outcome_of(session, ssh_userauth_publickey(session, nullptr, key));
  std::string why = "accepted";
  if (outcome != Outcome::accepted) {
    // Say why, when the certificate itself tells: the server only says no.
    auto parsed = parse_ssh_certificate(read_first_line(certificate_path));
    const auto problem =
        parsed ? certificate_problem(*parsed, target.user, static_cast<std::uint64_t>(std::time(nullptr)))
               : std::nullopt;
    why = problem ? "refused: " + *problem : "refused: is its CA in the server's TrustedUserCAKeys?";
  }
  tried.push_back(fmt::format("{} with certificate {} ({})", path, certificate_path, why));
  return outcome;
}

// Tries one private key file, with its certificates first; `tried` gets a
// line saying what happened to each.
Outcome try_key_file(ssh_session session, const SshTarget& target, const std::string& path,
                     std::vector<std::string>& tried) {
  // No passphrase and no callback: an encrypted key fails here instead of
  // prompting on a terminal an automated run does not have.
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
    tried.push_back(fmt::format("{} (cannot be read, or needs a passphrase: load it into ssh-agent)", path));
    return Outcome::refused;
  }
  KeyPointer owned(key, &ssh_key_free);
  for (const std::string& certificate : certificates_for(target, path)) {
    if (const Outcome outcome = try_certificate(session, target, path, certificate, tried);
        outcome != Outcome::refused) {
      return outcome;
    }
  }
  const Outcome outcome = outcome_of(session, ssh_userauth_publickey(session, nullptr, key));
  tried.push_back(fmt::format("{} ({})", path, outcome == Outcome::accepted ? "accepted" : "refused"));
  return outcome;
}

Outcome try_agent(ssh_session session, const SshTarget& target, std::vector<std::string>& tried) {
  if (target.identities_only) {
    tried.push_back("ssh-agent (not asked: IdentitiesOnly yes)");
    return Outcome::refused;
  }
  if (target.identity_agent == "none") {
    tried.push_back("ssh-agent (not asked: IdentityAgent none)");
    return Outcome::refused;
  }
  const char* socket = std::getenv("SSH_AUTH_SOCK");
  if (target.identity_agent) {
    socket = target.identity_agent->c_str();
    ssh_options_set(session, SSH_OPTIONS_IDENTITY_AGENT, socket);
  }
  if (socket == nullptr || *socket == '\0') {
    tried.push_back("ssh-agent (SSH_AUTH_SOCK is not set)");
    return Outcome::refused;
  }
  const Outcome outcome = outcome_of(session, ssh_userauth_agent(session, nullptr));
  tried.push_back(fmt::format("ssh-agent at {} ({})", socket,
                              outcome == Outcome::accepted ? "accepted" : "no key accepted"));
  return outcome;
}

// The agent first, then the default files (or ssh_config's IdentityFile
// lines) that exist, as OpenSSH does.
Outcome try_defaults(ssh_session session, const SshTarget& target, std::vector<std::string>& tried) {
  Outcome outcome = try_agent(session, target, tried);
  for (const std::string& path : target.default_identities) {
    if (outcome != Outcome::refused) return outcome;
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
      tried.push_back(fmt::format("{} (not found)", path));
      continue;
    }
    outcome = try_key_file(session, target, path, tried);
  }
  return outcome;
}

}  // namespace

std::string auth_methods_text(int methods) {
  static constexpr std::pair<int, const char*> k_names[] = {
      {SSH_AUTH_METHOD_PUBLICKEY, "publickey"},
      {SSH_AUTH_METHOD_PASSWORD, "password"},
      {SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive"},
      {SSH_AUTH_METHOD_HOSTBASED, "hostbased"},
      {SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic"},
  };
  std::vector<std::string> names;
  for (const auto& [bit, name] : k_names) {
    if ((methods & bit) != 0) names.emplace_back(name);
  }
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

Result<void> authenticate(ssh_session session, const SshTarget& target) {
  // "none" succeeds on a server without authentication and otherwise makes
  // the server list the methods it accepts, for the error message.
  if (ssh_userauth_none(session, nullptr) == SSH_AUTH_SUCCESS) return {};
  const int offered = ssh_userauth_list(session, nullptr);
  std::vector<std::string> tried;
  Outcome outcome = Outcome::refused;
  if ((offered & SSH_AUTH_METHOD_PUBLICKEY) == 0) {
    tried.push_back("nothing (the server does not offer publickey)");
  } else if (target.identity) {
    outcome = try_key_file(session, target, *target.identity, tried);
  } else {
    outcome = try_defaults(session, target, tried);
  }
  if (outcome == Outcome::accepted) return {};
  return fail(ErrorCode::auth_failed,
              fmt::format("{}: authentication failed for user {}: the server offers {}; tried {}",
                          target.where(), target.user, auth_methods_text(offered), fmt::join(tried, ", ")));
}

}  // namespace virtplan::providers
