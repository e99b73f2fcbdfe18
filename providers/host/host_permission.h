#pragma once

// What a host's user lacks when the host refuses it libvirt or sudo, and the
// shell code that keeps virtplan's own state on the host (the ledger and lock
// directories) usable by root, by `sudo -n`, and by members of libvirt's group
// alike. Both decisions are made here: which refusals mean "add this user to
// that group or a sudoers rule", and which owner, group and mode the state
// directories get (docs/ssh.md, "Non-root users").

#include "providers/base/error.h"
#include "providers/host/host_config.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

// The sentence that tells `user` what to add, when `err` (what the host
// printed) is one of the refusals of libvirt's socket or of `sudo -n`;
// nothing otherwise.
std::optional<std::string> permission_hint(const HostConfig& host, std::string_view err);

// `error` with the hint appended when its message is such a refusal.
Error with_permission_hint(const HostConfig& host, Error error);

// Shell functions for virtplan's host scripts (host_script_argv), prepended to
// their code: `vp_state_dir DIR read|write` makes DIR usable or exits 77 with
// a message saying what to run as root. A directory it creates is mode 2770,
// group of libvirt's socket (the libvirt group on Debian, root where there is
// none), so whoever may use libvirt may use virtplan's state, and files in it
// keep that group. Files it writes are 0660 for the same reason.
// `vp_state_file FILE read|write` refuses a file of the directory that this
// user cannot read or write, in the same words.
std::string with_state_dir_functions(std::string_view script);

// Exit status of a host script refused by vp_state_dir / vp_state_file.
constexpr int k_state_denied_status = 77;

}  // namespace virtplan::providers
