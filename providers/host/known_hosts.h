#pragma once

// Host key verification against a known_hosts file, for a freshly connected
// libssh session: strict by default, accept-new on request, and a changed key
// refused loudly under every policy.

#include "providers/base/error.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

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
std::string changed_host_key_message(const SshTarget& target, std::string_view key_type,
                                     std::string_view fingerprint);

}  // namespace virtplan::providers
