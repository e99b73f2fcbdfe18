#pragma once

// What an offline or live migration (kvm/domain_migration.h) moves besides a
// volume's plain bytes: the base an overlay needs on the destination, and a
// UEFI domain's NVRAM file (its variables).
//
// Overlays (a qcow2 volume with a backing file): only the overlay's own
// data moves. Its base must be on the destination already, the same bytes:
//   - `backing: base`, a volume of the same pool: the destination's volume
//     of that name (declared there; the plan makes it first), its sha256
//     the same as the source's (sha256sum of both files, each on its host);
//   - an image by URL (`backing: {source: ...}`): the destination's image
//     cache holds it (`sha256-HEX`, verified by its digest when fetched):
//     the volume kind fetched it there before the migration began
//     (KindActuator::prepare_carried, run by the planner), so a missing one
//     means its URL was not known.
// An overlay over other bytes would be a corrupt disk: refused, naming both
// hosts, before anything is made. The overlay is made on the destination
// over the destination's base path; after its file (the qcow2, top layer
// only) is copied, its header's backing path, the source's, is rewritten
// with `qemu-img rebase -u` when the base lives at another path there.
//
// NVRAM: the file the domain's XML names in <os><nvram> (libvirt's default
// /var/lib/libvirt/qemu/nvram/NAME_VARS.fd when it names none) is copied to
// the same path on the destination before the domain is defined there,
// written under a temporary name and renamed, so a crash leaves either no
// file or the whole one; none on the source (a domain never started) copies
// nothing, and libvirt makes it from the template at the first start. The
// source's goes with the domain (`undefine --nvram`). Live, nothing is
// copied: QEMU migrates the flash contents (the variables) with the guest's
// memory and, as the guest resumes on the destination, writes them all into
// the file libvirt made there from the template (pflash post-load; a marker
// written into the source's file before QEMU read it is in the destination's
// afterwards, tests/lab/migration_overlay_test.cc).

#include "providers/host/host_session.h"
#include "providers/kind/actuator.h"
#include "providers/kind/storage_facts.h"

#include <optional>
#include <string>

namespace virtplan::kvm {

// Where a moved overlay's base is, on each host.
struct OverlayBase {
  providers::VolumeBase::Where where;  // a volume of its pool, or an image of the cache
  std::string name;                    // the base volume, or the cached image's file name
  std::string source;                  // its path on the source
  std::string destination;
  std::string format;
};

// Where the base `volume` needs is on each host, unchecked; nullopt when it
// is no overlay.
providers::Result<std::optional<OverlayBase>> locate_base(const providers::MigrationStep::Carried& volume,
                                                          providers::HostSession& to);

// The base `volume` needs on the destination, checked (see above); nullopt
// when it is no overlay. `where` begins each error.
providers::Result<std::optional<OverlayBase>> overlay_base(const std::string& where,
                                                           const providers::MigrationStep::Carried& volume,
                                                           providers::HostSession& from,
                                                           providers::HostSession& to);

// Points the copied overlay's header at the destination's base path.
providers::Result<void> rebase_overlay(const providers::ObjectId& volume, const OverlayBase& base,
                                       providers::HostSession& to);

// The path of the domain's NVRAM file on `host`, nullopt when it has none
// (not UEFI).
providers::Result<std::optional<std::string>> nvram_file_on(providers::HostSession& host,
                                                            const std::string& domain);

// Copies the domain's NVRAM file from `from` to the same path on `to`
// (offline); nothing when the domain has none, or its file was never made.
providers::Result<void> copy_nvram(const std::string& domain, providers::HostSession& from,
                                   providers::HostSession& to);

}  // namespace virtplan::kvm
