#pragma once

// A running domain's migration (MigrationStep::live), its disks copied while
// it runs (no shared storage): `virsh migrate --live --p2p
// --copy-storage-all` on the source, its streams carried by SSH between the
// two hypervisors with a key made for this migration only.
//
//   1. On the source, in /run/virtplan-migrate/UUID (mode 0700): a new
//      ed25519 key (comment `virtplan-migrate:UUID`), and the destination's
//      SSH host key pinned in a known_hosts of its own: those of the keys
//      `ssh-keyscan` finds from the source that the destination itself
//      lists (its own ssh-keyscan, over virtplan's session to it, which the
//      stack's known_hosts authenticated).
//   2. On the destination, the key authorized for the login user, restricted:
//      only from the source's address, expiring in an hour, no shell (its
//      command is `virt-ssh-helper`, libvirt's end of a qemu+ssh connection),
//      no forwarding but to the two ports of this migration on 127.0.0.1.
//   3. On the source: an `ssh -N -L` forwarding 127.0.0.1:P1 and :P2 to the
//      destination's 127.0.0.1:P1 and :P2, and `virsh migrate` to
//      `qemu+libssh://USER@HOST/system?keyfile=..&known_hosts=..` with
//      `--listen-address 127.0.0.1 --migrateuri tcp://127.0.0.1:P1
//      --disks-uri tcp://127.0.0.1:P2`: libvirt's control connection, QEMU's
//      migration stream and its NBD disk copy all cross SSH, encrypted and
//      authenticated; the hypervisors need no route but SSH between them.
//      (libvirt 9.0 refuses --tunnelled with --copy-storage-all: "argument
//      key 'host' must not have null value".) The domain is defined on the
//      destination with the source's inactive XML (--persistent-xml), disk
//      paths rewritten where the destination's pool puts them elsewhere.
//   4. Whatever happened: the forward ends, the key's directory is deleted,
//      the authorization removed. A run killed before that leaves them; the
//      next migration of the domain and the removal from the source
//      (remove_leftovers) remove them, and the authorization expires anyway.
//
// A failed migration leaves the domain running on the source (libvirt
// resumes it there); what was made on the destination (empty volumes) is
// owned there and made again by the next apply.

#include "providers/host/host_session.h"
#include "providers/kind/actuator.h"

#include <string>

namespace virtplan::kvm {

// `persistent_xml` is what the destination defines; `live_xml` (empty: the
// source's own) the running domain's XML there. Returns a warning (empty:
// none): migrated, but what it made was not all removed.
providers::Result<std::string> migrate_live(const providers::MigrationStep& step,
                                            providers::HostSession& from, providers::HostSession& to,
                                            const std::string& persistent_xml, const std::string& live_xml);

// Removes what a migration of the domain (by UUID) left behind: the key's
// directory on `from`, the authorization on `to`.
providers::Result<void> remove_leftovers(const std::string& uuid, providers::HostSession& from,
                                         providers::HostSession& to);

}  // namespace virtplan::kvm
