#pragma once

// OpenSSH user certificates (ssh-keygen -s), read far enough to say why a
// server refused one: who it is for (principals) and when it is valid. libssh
// sends the certificate; this only explains a refusal.

#include "providers/base/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

struct SshCertificate {
  std::string type;  // "ssh-ed25519-cert-v01@openssh.com"
  std::string key_id;
  std::vector<std::string> principals;  // empty: any
  std::uint64_t valid_after = 0;        // seconds since the epoch
  std::uint64_t valid_before = 0;       // ~0: forever
};

// Reads a "-cert.pub" line ("TYPE BASE64 [COMMENT]"); ed25519, ecdsa and rsa
// certificates. Fails with ErrorCode::invalid.
Result<SshCertificate> parse_ssh_certificate(std::string_view line);

// Why a server will refuse `certificate` for `user` at `now` (seconds since
// the epoch): "the certificate expired at 2020-01-02 00:00:00 UTC", "the
// certificate is for principals alice, bob, not root"; nullopt when neither.
std::optional<std::string> certificate_problem(const SshCertificate& certificate, std::string_view user,
                                               std::uint64_t now);

}  // namespace virtplan::providers
