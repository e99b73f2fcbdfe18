#include "kvm/domain_live_migration.h"

#include "kvm/domain_shared_storage.h"

#include "providers/base/plain_text.h"
#include "providers/host/host_script.h"
#include "providers/virsh/virsh_error.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <random>
#include <sstream>

namespace virtplan::kvm {

using providers::fail;
using providers::HostSession;
using providers::MigrationStep;
using providers::Result;

namespace {

// The copy takes as long as the links need.
constexpr auto k_migrate_timeout = std::chrono::hours(12);
// The migration's ports on 127.0.0.1 of both hosts: an even port of this
// range and the next (libvirt's own migration ports start at 49152).
constexpr int k_first_port = 41000;
constexpr int k_port_pairs = 4000;

// The destination's own SSH host keys ("TYPE BASE64" lines), as its sshd
// offers them on $1 port $2 and on 127.0.0.1: read over virtplan's session
// to it, which the stack's known_hosts authenticated.
constexpr std::string_view k_host_keys =
    R"sh({ ssh-keyscan -T 10 -p "$2" "$1"; ssh-keyscan -T 10 -p "$2" 127.0.0.1; } \
  2>/dev/null | awk '$1 !~ /^#/ && NF >= 3 {print $2 " " $3}' | sort -u
)sh";

// Makes the key and pins the destination's host key (see the header).
// $1 the directory, $2 the key's comment, $3 the destination's SSH host, $4
// its port, $5 its host keys (k_host_keys). Prints the source's address
// towards the destination, then the public key.
constexpr std::string_view k_prepare = R"sh(set -e
umask 077
d=$1
rm -rf -- "$d"
mkdir -p -- "$d"
ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$d/key" </dev/null >/dev/null
ssh-keyscan -T 10 -p "$4" "$3" >"$d/scanned" 2>/dev/null || true
: >"$d/known_hosts"
while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
  k=$(printf '%s\n' "$line" | awk '{print $2 " " $3}')
  if printf '%s\n' "$5" | grep -qxF -- "$k"; then printf '%s\n' "$line" >>"$d/known_hosts"; fi
done <"$d/scanned"
rm -f -- "$d/scanned"
if [ ! -s "$d/known_hosts" ]; then
  echo "none of the SSH host keys $3 port $4 offers to the source is one $3 itself holds" >&2
  exit 3
fi
a=$(getent ahosts "$3" | awk 'NR == 1 {print $1}')
src=$(ip -o route get "$a" 2>/dev/null | sed -n 's/.* src \([^ ]*\).*/\1/p')
if [ -z "$src" ]; then echo "no route from the source to $3 ($a)" >&2; exit 4; fi
printf '%s\n' "$src"
cat -- "$d/key.pub"
)sh";

// Authorizes a key for the login user $1 on the destination, or (with $3
// empty) removes its authorization: the lines of authorized_keys holding
// the marker $2 go, the line $3 comes with an expiry an hour away. Touches
// nothing when there is nothing to remove.
constexpr std::string_view k_authorize = R"sh(set -e
h=$(getent passwd "$1" | cut -d: -f6)
if [ -z "$h" ]; then echo "user $1 has no home directory" >&2; exit 3; fi
f=$h/.ssh/authorized_keys
if [ -z "$3" ] && ! grep -q -F -- "$2" "$f" 2>/dev/null; then exit 0; fi
# sshd (StrictModes, the default) ignores an authorized_keys that others than
# the user and root may write, or that lies in such a directory up to the home:
# say so now, instead of the source's ssh failing with "Permission denied".
if [ -n "$3" ]; then
  for p in "$h" "$h/.ssh" "$f"; do
    [ -e "$p" ] || continue
    o=$(stat -L -c %u -- "$p") m=$(stat -L -c %a -- "$p")
    if { [ "$o" != 0 ] && [ "$o" != "$(id -u -- "$1")" ]; } || [ $((0$m & 022)) -ne 0 ]; then
      echo "sshd here ignores $1's $f, so the migration's key would be refused: $p has owner uid $o and mode $m, and only $1 and root may write it and the directories above it up to the home (sshd's StrictModes)" >&2
      exit 6
    fi
  done
fi
umask 077
mkdir -p -- "$h/.ssh"
exec 9>>"$h/.ssh/.virtplan-migrate.lock"
flock 9
touch -- "$f"
t=$(mktemp "$h/.ssh/.virtplan-migrate.XXXXXX")
# grep's 1 is "no line kept" (the file held only this marker); anything else
# (2: it could not read the file) must stop here, before the file is rewritten
# with what was read, or the user's other keys would be lost.
grep -v -F -- "$2" "$f" >"$t" || [ $? -eq 1 ] || { rm -f -- "$t"; exit 4; }
if [ -n "$3" ]; then printf 'expiry-time="%s",%s\n' "$(date -d '+1 hour' +%Y%m%d%H%M)" "$3" >>"$t"; fi
# Renamed over the file, with its owner, mode and labels: sshd, reading it for
# another login at that moment, finds the old file or the new one, whole,
# never one truncated and half written, and a crash leaves one of the two.
# In place only where a rename cannot stand for the file: a symbolic link, a
# file of several links, a mount point (the rename fails).
if [ ! -L "$f" ] && [ "$(stat -c %h -- "$f")" = 1 ]; then
  chown --reference="$f" -- "$t" 2>/dev/null || true
  chmod --reference="$f" -- "$t"
  if command -v chcon >/dev/null 2>&1; then chcon --reference="$f" -- "$t" 2>/dev/null || true; fi
  mv -f -- "$t" "$f" 2>/dev/null || true
fi
if [ -e "$t" ]; then
  cat -- "$t" >"$f"
  rm -f -- "$t"
fi
chown "$1" -- "$h/.ssh" "$f" 2>/dev/null || true
)sh";

// $1 the directory, $2 the destination's SSH port, $3 USER@HOST, $4 and $5
// the ports; the rest is the virsh command. The forward and the key end
// with the script, however virsh ends.
constexpr std::string_view k_migrate = R"sh(d=$1 port=$2 dest=$3 p1=$4 p2=$5
shift 5
trap 'ssh -F none -S "$d/ctl" -O exit x >/dev/null 2>&1; rm -rf -- "$d"' EXIT
if ! ssh -F none -f -N -M -S "$d/ctl" -i "$d/key" -o IdentitiesOnly=yes \
  -o UserKnownHostsFile="$d/known_hosts" -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o ExitOnForwardFailure=yes -o ConnectTimeout=15 -o ServerAliveInterval=15 \
  -p "$port" -L "127.0.0.1:$p1:127.0.0.1:$p1" -L "127.0.0.1:$p2:127.0.0.1:$p2" "$dest" \
  </dev/null >/dev/null 2>"$d/ssh.err"; then
  echo "error: ssh from the source to $dest port $port with the migration's key failed: $(tail -n 3 "$d/ssh.err")" >&2
  exit 5
fi
"$@"
)sh";

std::string live_where(const MigrationStep& step) {
  return fmt::format("{}: live migration to {}", step.source.address(), step.object.desired.id.host);
}

std::string dir_of(const std::string& uuid) { return "/run/virtplan-migrate/" + uuid; }
std::string marker_of(const std::string& uuid) { return "virtplan-migrate:" + uuid; }

// Runs a script that must succeed: what it printed; its error names it and the host.
Result<std::string> run_migration_checked(HostSession& host, std::string_view script, std::string_view name,
                                          std::vector<std::string> args,
                                          std::optional<std::string> input = std::nullopt) {
  auto ran = providers::run_host_script(host, script, name, std::move(args), {.input = std::move(input)});
  if (!ran) return fail(ran.error());
  return std::move(ran->out);
}

// "/system" of "qemu:///system".
Result<std::string> libvirt_path(const providers::HostConfig& host) {
  constexpr std::string_view prefix = "qemu:///";
  if (!host.libvirt_uri.starts_with(prefix) || host.libvirt_uri.find('?') != std::string::npos) {
    return fail(providers::ErrorCode::invalid,
                fmt::format("{}'s libvirt URI {} is not qemu:///system or qemu:///session", host.name,
                            host.libvirt_uri));
  }
  return host.libvirt_uri.substr(prefix.size() - 1);
}

std::string uri_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// What the source printed: its address towards the destination and the
// public key, each checked before it goes into authorized_keys.
Result<std::pair<std::string, std::string>> prepared_ends(const std::string& out) {
  std::istringstream lines(out);
  std::string source;
  std::string key;
  std::getline(lines, source);
  std::getline(lines, key);
  const bool address =
      !source.empty() && source.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos;
  const bool clean = key.starts_with("ssh-ed25519 ") && key.find_first_of("\"\\\n") == std::string::npos;
  if (!address || !clean) {
    return fail(providers::ErrorCode::other, fmt::format("the source printed no address and key: {}", out));
  }
  return std::pair{source, key};
}

}  // namespace

Result<void> remove_leftovers(const std::string& uuid, HostSession& from, HostSession& to) {
  auto removed = run_migration_checked(from, "rm -rf -- \"$1\"", "virtplan-migrate-cleanup", {dir_of(uuid)});
  if (!removed) return fail(removed.error());
  auto revoked = run_migration_checked(to, k_authorize, "virtplan-migrate-authorize",
                                       {to.config().user, marker_of(uuid), ""});
  if (!revoked) return fail(revoked.error());
  return {};
}

Result<std::string> migrate_live(const MigrationStep& step, HostSession& from, HostSession& to,
                                 const std::string& persistent_xml, const std::string& live_xml) {
  const std::string& name = step.source.name;
  const providers::HostConfig& dest = to.config();
  if (dest.local || dest.hostname.empty()) {
    return fail(providers::ErrorCode::invalid,
                fmt::format("{}: the destination is not reached over SSH; live migration needs it",
                            live_where(step)));
  }
  auto path = libvirt_path(dest);
  if (!path) return fail(path.error().with_context(live_where(step)));
  auto uuid_out = from.virsh().run({"domuuid", "--domain", name});
  if (!uuid_out) return fail(uuid_out.error().with_context(live_where(step)));
  const std::string uuid(providers::trimmed(*uuid_out));
  const std::string dir = dir_of(uuid);

  std::random_device random;
  const int p1 = k_first_port + 2 * std::uniform_int_distribution<int>(0, k_port_pairs - 1)(random);
  const int p2 = p1 + 1;

  auto run = [&]() -> Result<void> {
    auto keys = run_migration_checked(to, k_host_keys, "virtplan-migrate-host-keys",
                                      {dest.hostname, std::to_string(dest.port)});
    if (!keys) return fail(keys.error());
    if (providers::trimmed(*keys).empty()) {
      return fail(providers::ErrorCode::other,
                  fmt::format("ssh-keyscan on {} found no SSH host key of its own", dest.name));
    }
    auto out = run_migration_checked(from, k_prepare, "virtplan-migrate-prepare",
                                     {dir, marker_of(uuid), dest.hostname, std::to_string(dest.port), *keys});
    if (!out) return fail(out.error());
    auto ends = prepared_ends(*out);
    if (!ends) return fail(ends.error());
    const auto& [source_address, key] = *ends;
    const std::string helper = fmt::format(
        "{}virt-ssh-helper {}", dest.become == providers::Become::sudo ? "sudo -n " : "", dest.libvirt_uri);
    const std::string line = fmt::format(
        "from=\"{}\",restrict,port-forwarding,permitopen=\"127.0.0.1:{}\",permitopen=\"127.0.0.1:{}\","
        "command=\"{}\" {}",
        source_address, p1, p2, helper, key);
    auto authorized = run_migration_checked(to, k_authorize, "virtplan-migrate-authorize",
                                            {dest.user, marker_of(uuid), line});
    if (!authorized) return fail(authorized.error());
    const std::string save = "umask 077 && cat >\"$1\"";
    if (auto saved = run_migration_checked(from, save, "virtplan-migrate-xml", {dir + "/persistent.xml"},
                                           persistent_xml);
        !saved)
      return fail(saved.error());
    std::vector<std::string> virsh{"virsh",
                                   "-q",
                                   "-c",
                                   from.config().libvirt_uri,
                                   "migrate",
                                   "--live",
                                   "--p2p",
                                   "--persistent",
                                   "--listen-address",
                                   "127.0.0.1",
                                   "--migrateuri",
                                   fmt::format("tcp://127.0.0.1:{}", p1),
                                   "--persistent-xml",
                                   dir + "/persistent.xml"};
    // --copy-storage-all (or -inc over overlays' bases), but for disks on
    // shared pools (kvm/domain_shared_storage.h).
    auto storage = live_storage_flags(step, from, fmt::format("tcp://127.0.0.1:{}", p2));
    if (!storage) return fail(storage.error());
    virsh.insert(virsh.end(), storage->begin(), storage->end());
    if (!live_xml.empty()) {
      if (auto saved =
              run_migration_checked(from, save, "virtplan-migrate-xml", {dir + "/live.xml"}, live_xml);
          !saved)
        return fail(saved.error());
      virsh.insert(virsh.end(), {"--xml", dir + "/live.xml"});
    }
    const std::string uri = fmt::format(
        "qemu+libssh://{}@{}:{}{}?keyfile={}/key&known_hosts={}/known_hosts&known_hosts_verify=normal&sshauth=privkey",
        dest.user, uri_host(dest.hostname), dest.port, *path, dir, dir);
    virsh.insert(virsh.end(), {"--domain", name, "--desturi", uri});
    std::vector<std::string> args{dir, std::to_string(dest.port), dest.user + "@" + dest.hostname,
                                  std::to_string(p1), std::to_string(p2)};
    args.insert(args.end(), virsh.begin(), virsh.end());
    auto migrated = providers::run_host_script(from, k_migrate, "virtplan-migrate", std::move(args),
                                               {.timeout = k_migrate_timeout, .any_status = true});
    if (!migrated) return fail(migrated.error());
    if (migrated->exit_status != 0)
      return fail(providers::virsh_error("virsh migrate", migrated->err, migrated->exit_status));
    return {};
  };
  Result<void> done = run();
  Result<void> cleaned = remove_leftovers(uuid, from, to);
  if (!done) {
    auto state = from.virsh().run({"domstate", "--domain", name});
    const std::string now =
        state ? std::string(providers::trimmed(*state)) : "unknown (" + state.error().message() + ")";
    return fail(done.error().with_context(fmt::format(
        "{}: failed; the domain is {} on {}, where it was{}", live_where(step), now, step.source.host,
        cleaned ? ""
                : fmt::format(" (and the migration's key was not removed: {})", cleaned.error().message()))));
  }
  if (!cleaned) {
    return fmt::format("migrated, but the migration's key was not removed (the next apply removes it): {}",
                       cleaned.error().message());
  }
  return std::string();
}

}  // namespace virtplan::kvm
