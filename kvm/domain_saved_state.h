#pragma once

// A domain's saved state is what libvirt keeps for it beside its definition
// and deletes with it when virtplan destroys the domain (`undefine
// --managed-save --snapshots-metadata --nvram`): the managed-save image (the
// guest's RAM, `virsh managedsave`), the NVRAM file of its UEFI variables,
// and its snapshots' metadata. DomainReader reads it in its usual two rounds
// (`list --with-managed-save`, `list --with-snapshot`, <os><nvram> in the
// XML; then `snapshot-list` of the domains that have snapshots) and puts it
// in the observed spec under /saved_state, only when there is some:
//   {"managed_save": true, "nvram": "/var/lib/libvirt/qemu/nvram/web_VARS.fd", "snapshots": 3}
// It is not a managed field (the stack never declares it, so the diff never
// compares it); the planner's data-safety rules print it in the DATA LOSS
// line of a destroy or replace (DomainKind::lost_state):
//   "DATA LOSS: managed save, NVRAM, 3 snapshots".
// NVRAM: the file the inactive XML names (<os><nvram>), or, for a UEFI domain
// whose firmware libvirt chooses (<os firmware='efi'>, what virtplan writes),
// `true`: libvirt 9.0 names that file only in the live XML, and makes it
// (/var/lib/libvirt/qemu/nvram/NAME_VARS.fd) at the first start. A UEFI
// domain never started has none yet but is still named: virsh does not tell
// whether the file exists.

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

#include <optional>
#include <string>
#include <vector>

namespace virtplan::kvm {

inline constexpr const char* k_saved_state = "saved_state";

// The NVRAM file a domain's XML names (<os><nvram>), if any.
providers::Result<std::optional<std::string>> nvram_path(const std::string& domain_xml);

// /saved_state/nvram for a domain's inactive XML and its parsed spec: the
// path it names, else true for a UEFI domain, else null (none).
providers::Result<nlohmann::json> nvram_of(const std::string& domain_xml, const providers::Spec& spec);

// Adds to `spec`'s /saved_state what is there (nothing when it is all absent,
// null or zero).
void add_saved_state(providers::Spec& spec, bool managed_save, const nlohmann::json& nvram,
                     std::size_t snapshots);

// What destroying the observed domain loses, as the plan names it, in this
// order: "managed save", "NVRAM", "3 snapshots" ("1 snapshot").
std::vector<std::string> saved_state_losses(const providers::Spec& observed);

}  // namespace virtplan::kvm
