#pragma once

// DomainKind is the "domain" resource kind (stack section "domains"): virtual
// machines, from the stack's YAML to libvirt's XML and back (DomainSpec has
// the canonical JSON).
//
// Decisions the rest of virtplan relies on:
//   - Stack name: create_xml() writes StackObject::stack into the owner
//     metadata (DomainOwner); update_xml() keeps the XML's owner stack when
//     StackObject::stack is empty.
//   - virt_type "auto": kept as "auto" in the desired spec; create_xml()
//     writes "qemu" (TCG runs everywhere) unless the engine reconciled it
//     first with reconcile(desired, {"virt_type": host_virt_type(caps)});
//     for an existing domain reconcile() takes the observed type.
//   - NIC keys: the MAC, or "network:NAME#N"/"bridge:NAME#N" for a NIC
//     without `mac:` until reconcile() pairs it with the MAC libvirt assigned
//     (DomainReconciler).
//   - Not in the XML: autostart and state are absent from parse_xml() (the
//     engine observes them separately and must add them to the observed spec
//     before diffing); restart, cloud_init, hotplug_slots and xml patches read
//     back from the owner metadata.
//   - Disk pools: resolve() fills a disk's pool (and format) from the volume
//     the stack declares on the same host; references() names each disk's
//     volume (Need::optional when the disk has a pool, so an external volume
//     with an explicit `pool:` is allowed), each NIC's network
//     (Need::external_unless_typo: the host's `default` needs no
//     declaration, a near miss of a declared one is an error), never host
//     bridges; the cloud-init seed volume "<name>-cidata" too, so it is
//     created before the domain and destroyed after it.
//   - The seed's hash: resolve() copies the seed volume's /cloud_init/sha256
//     into the domain's /cloud_init/seed_sha256 (k_seed_sha256) once the
//     loader derived the seed, so new user-data is an update of the domain
//     too (restart-class: the guest reads its seed at boot; the actuator
//     swaps the CD-ROM media of a running domain). It reads back from the
//     owner metadata; to_stack() leaves it out (the stack never writes it).

#include "kvm/disk_sources.h"
#include "providers/kind/registry.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::kvm {

inline constexpr const char* k_seed_sha256 = "seed_sha256";

class DomainKind : public providers::ResourceKind {
public:
  DomainKind() : ResourceKind("domain", "domains") {}

  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override;
  void resolve(providers::StackObject& object, const providers::StackIndex& all) const override;
  std::vector<providers::Reference> references(const providers::StackObject& object) const override;
  void check(const providers::StackObject& object, const providers::StackIndex& all,
             providers::Diagnostics& diags) const override;
  // MACs used by two domains of a host; a volume that is the writable disk
  // of two domains (both would write it: the file system is lost).
  void check_all(const providers::StackIndex& all, providers::Diagnostics& diags) const override;
  providers::Result<std::string> create_xml(const providers::StackObject& object) const override;
  providers::Result<providers::Spec> parse_xml(const std::string& xml) const override;
  providers::Result<std::string> update_xml(const std::string& current_xml,
                                            const providers::StackObject& object) const override;
  // As above, with the disks' volumes by path where `sources` knows them
  // (kvm/disk_sources.h): what the actuator defines.
  providers::Result<std::string> create_xml(const providers::StackObject& object,
                                            const DiskSources& sources) const;
  providers::Result<std::string> update_xml(const std::string& current_xml,
                                            const providers::StackObject& object,
                                            const DiskSources& sources) const;
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec& observed) const override;
  // kvm/domain_field_rules.h
  const providers::FieldRules& field_rules() const override;
  providers::Running running(const providers::Spec& observed, const providers::Spec& desired) const override;
  providers::Result<nlohmann::json> to_stack(const providers::Spec& spec) const override;
  // /saved_state (kvm/domain_saved_state.h): "managed save", "NVRAM", "3 snapshots".
  std::vector<std::string> lost_state(const providers::Spec& observed) const override;
  // "2 vCPUs (max 4), 1 GiB, 2 disks, 1 NIC"
  std::string summary(const providers::Spec& spec) const override;
  std::optional<HostUsage> host_usage(const providers::Spec& spec) const override;
  bool migrates() const override { return true; }
  // Sizes under /memory in binary units ("512 MiB").
  std::string format_value(std::string_view path, const nlohmann::json& value) const override;
};

// The one DomainKind the program uses (its registry entry, its reader and
// actuator).
const DomainKind& domain_kind();

// The domain kind's registry entry: domain_kind(), its reader and its actuator.
const providers::KindEntry& domain_entry();

}  // namespace virtplan::kvm
