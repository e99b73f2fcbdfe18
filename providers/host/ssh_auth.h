#pragma once

// Public-key authentication of a connected, host-verified libssh session: the
// stack's identity if it names one, else the ssh-agent, then the default key
// files. Nothing here ever prompts.

#include "providers/base/error.h"
#include "providers/host/ssh_target.h"

#include <libssh/libssh.h>

#include <string>

namespace virtplan::providers {

// Fails with auth_failed naming the host, the user, the methods the server
// offered and every key source tried, with why each did not work.
Result<void> authenticate(ssh_session session, const SshTarget& target);

// "publickey, password" for a mask of SSH_AUTH_METHOD_* bits.
std::string auth_methods_text(int methods);

}  // namespace virtplan::providers
