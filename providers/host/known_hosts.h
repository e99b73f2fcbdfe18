#pragma once

// Host key verification against a known_hosts file, for a freshly connected
// libssh session: strict by default, accept-new on request, and a changed key
// refused loudly under every policy.

#include "providers/base/error.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

// Succeeds when the server's key is trusted (or was just trusted under
// accept-new, which appends it to target.known_hosts). Fails with
// host_key_unknown or host_key_changed, and a message that says what to do.
Result<void> verify_host_key(ssh_session session, const SshTarget& target);

// The key the server showed, as a person compares it: "ssh-ed25519 SHA256:...".
Result<std::string> server_key_text(ssh_session session, const SshTarget& target);

// ssh-keyscan's -t name for a key type: "ssh-ed25519" -> "ed25519",
// "ecdsa-sha2-nistp256" -> "ecdsa", "ssh-rsa" -> "rsa".
std::string keyscan_type(std::string_view key_type);

// The messages, kept apart from libssh so their wording is unit-tested.
std::string unknown_host_key_message(const SshTarget& target, std::string_view key_type,
                                     std::string_view fingerprint);
// Host certificates: libssh 0.10 (Debian 12) skips every known_hosts line
// that starts with a marker (knownhosts.c: "@cert-authority, @revoked: we do
// not completely support them") and removes the *-cert-v01 algorithms from
// the host key algorithms it offers (kex.c), so a server never even presents
// its certificate. A host trusted only through a @cert-authority line would
// read as "not known"; it is refused with this message instead, under every
// policy (accept-new would silently replace the CA's trust with the key's).
//
// The 1-based number of the first `@cert-authority` line of `text` whose host
// patterns match `host` (as known_hosts_name() spells it); hashed names
// (|1|...) are not matched.
std::optional<int> cert_authority_line(std::string_view text, std::string_view host);
std::string cert_authority_message(const SshTarget& target, std::string_view file, int line,
                                   std::string_view key_type, std::string_view fingerprint);

std::string changed_host_key_message(const SshTarget& target, std::string_view key_type,
                                     std::string_view fingerprint);

}  // namespace virtplan::providers
