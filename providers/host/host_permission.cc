#include "providers/host/host_permission.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace virtplan::providers {

namespace {

enum class Lacks { sudo, libvirt_socket, sudo_binary };

// What the host says when it refuses: sudo's words (Debian's sudo 1.9) and
// libvirt's for a socket this user may not open, or polkit refusing it.
struct Refusal {
  std::string_view words;  // lower case
  Lacks lacks;
};

constexpr std::array k_refusals{
    Refusal{"sudo: a password is required", Lacks::sudo},
    Refusal{"is not in the sudoers file", Lacks::sudo},
    Refusal{"is not allowed to run sudo", Lacks::sudo},
    Refusal{"sudo: not found", Lacks::sudo_binary},
    Refusal{"sudo: command not found", Lacks::sudo_binary},
    Refusal{"libvirt-sock': permission denied", Lacks::libvirt_socket},
    Refusal{"virtqemud-sock': permission denied", Lacks::libvirt_socket},
    Refusal{"no polkit agent available", Lacks::libvirt_socket},
    Refusal{"authentication failed: access denied", Lacks::libvirt_socket},
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The user as the host sees it: for `local`, whoever runs virtplan.
std::string who(const HostConfig& host) {
  return host.local ? std::string("this user") : "user " + host.user;
}

std::string hint(const HostConfig& host, Lacks lacks) {
  const std::string user = who(host);
  const std::string name = host.local ? std::string("USER") : host.user;
  switch (lacks) {
    case Lacks::sudo:
      return fmt::format(
          "{} may not run sudo without a password (become: sudo runs `sudo -n`): add a sudoers rule on the "
          "host (`{} ALL=(root) NOPASSWD: ALL`, with visudo -f /etc/sudoers.d/virtplan), or add {} to the "
          "libvirt group (usermod -aG libvirt {}) and drop become: sudo",
          user, name, name, name);
    case Lacks::sudo_binary:
      return fmt::format(
          "become: sudo, but the host has no sudo: install it, or add {} to the libvirt group "
          "(usermod -aG libvirt {}) and drop become: sudo",
          name, name);
    case Lacks::libvirt_socket:
      return fmt::format(
          "{} may not use libvirt ({}): add it to the group of libvirt's socket (as root: usermod -aG libvirt "
          "{}; it counts from the next login), or set become: sudo with a NOPASSWD sudoers rule for it",
          user, host.libvirt_uri, name);
  }
  return {};
}

// Kept POSIX (dash): the host's sh runs it. $1 and $2 of the functions are
// theirs, not the script's. The group is that of libvirt's socket: whoever
// may open it is root on the host anyway, so sharing virtplan's state with
// that group gives nobody more than they have.
constexpr std::string_view k_state_dir_functions =
    R"sh(vp_group() { for s in /run/libvirt/libvirt-sock /run/libvirt/virtqemud-sock; do )sh"
    R"sh(if [ -S "$s" ]; then stat -c %G -- "$s"; return; fi; done; echo root; }; )sh"
    R"sh(vp_denied() { g=$(vp_group); t=${3:-$1}; u=$(id -un); )sh"
    R"sh(if [ "$(id -u)" != 0 ] && ! id -nG | tr ' ' '\n' | grep -qx -- "$g"; then )sh"
    R"sh(echo "user $u cannot use $1 ($2): $u is not in libvirt's group $g: add it (as root: usermod -aG $g $u; it counts from the next login), or set become: sudo" >&2; exit 77; fi; )sh"
    R"sh(echo "user $u cannot use $1 ($2): share virtplan's state with libvirt's group: as root, run )sh"
    R"sh(install -d -m 2770 -g $g $t $t/ledger $t/lock && chgrp -R $g $t && chmod -R g+rw $t; or set become: sudo" >&2; )sh"
    R"sh(exit 77; }; )sh"
    R"sh(vp_mode() { stat -c '%U:%G %A' -- "$1" 2>/dev/null || echo 'not readable'; }; )sh"
    R"sh(vp_state_dir() { d=$1; top=${d%/*}; )sh"
    R"sh(if [ ! -d "$d" ]; then )sh"
    R"sh(if [ -e "$top" ] && [ ! -x "$top" ]; then vp_denied "$top" "$(vp_mode "$top")" "$top"; fi; )sh"
    R"sh([ "$2" = read ] && return 0; g=$(vp_group); )sh"
    R"sh(for x in "$top" "$d"; do [ -d "$x" ] && continue; )sh"
    R"sh(mkdir -p -- "$x" 2>/dev/null || vp_denied "$x" "cannot create it" "$top"; )sh"
    R"sh(chgrp -- "$g" "$x" 2>/dev/null || :; chmod 2770 -- "$x" || exit 70; done; fi; )sh"
    R"sh(if [ ! -x "$d" ] || [ ! -r "$d" ] || { [ "$2" = write ] && [ ! -w "$d" ]; }; then )sh"
    R"sh(vp_denied "$d" "$(vp_mode "$d")" "$top"; fi; }; )sh"
    R"sh(vp_state_file() { if [ -e "$1" ] && { [ ! -r "$1" ] || { [ "$2" = write ] && [ ! -w "$1" ]; }; }; then )sh"
    R"sh(f=${1%/*}; vp_denied "$1" "$(vp_mode "$1")" "${f%/*}"; fi; }; )sh";

}  // namespace

std::optional<std::string> permission_hint(const HostConfig& host, std::string_view err) {
  const std::string text = lower(err);
  for (const Refusal& refusal : k_refusals) {
    if (text.find(refusal.words) != std::string::npos) return hint(host, refusal.lacks);
  }
  return std::nullopt;
}

Error with_permission_hint(const HostConfig& host, Error error) {
  auto added = permission_hint(host, error.message());
  if (!added) return error;
  return Error(error.code(), fmt::format("{}: {}", error.message(), *added));
}

std::string with_state_dir_functions(std::string_view script) {
  return std::string(k_state_dir_functions) + std::string(script);
}

}  // namespace virtplan::providers
