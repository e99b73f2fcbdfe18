#pragma once

// VolumeKind is the "volume" resource kind: a volume in a pool of the same
// host, empty, uploaded from a file, or a qcow2 overlay of another volume of
// the pool. The spec is VolumeSpec's JSON.
//
// Impact (volume_field_rules(), the table the plan and VolumeActuator read):
// capacity changes live (`vol-resize`, or `blockresize` under a
// running domain; a shrink is refused unless allow_shrink, see refusal());
// format, backing, the source's content (source_sha256, source_sha512) and
// pool replace the volume (data loss), except a base_only volume's digest
// (base_sha256, base_sha512): a new base for new clones, live, since its
// clones are overlays of the cached image they were made of, never of the
// volume's file; protect, allow_shrink, the source's
// path and an image's URLs (source_url, source_checksum_url: its digest is
// what counts) are virtplan's own and change nothing on the host.
//
// Volumes are never redefined (libvirt has no vol-define): update_xml() gives
// the host's document with the new capacity, for display and checks only.

#include "providers/kind/registry.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::storage {

class VolumeKind : public providers::ResourceKind {
public:
  VolumeKind() : ResourceKind("volume", "volumes") {}

  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override;
  // Sets /backing_store from the stack's pool (target path) and backing
  // volume (format); see storage/volume_spec.h.
  void resolve(providers::StackObject& object, const providers::StackIndex& all) const override;
  // Its pool, and its backing volume.
  std::vector<providers::Reference> references(const providers::StackObject& object) const override;
  // The backing volume lies in the same pool.
  void check(const providers::StackObject& object, const providers::StackIndex& all,
             providers::Diagnostics& diags) const override;
  // One volume name in a pool declared on two hosts that shares its storage
  // (PoolKind::shares_storage): two declarations of one file, refused.
  void check_all(const providers::StackIndex& all, providers::Diagnostics& diags) const override;
  providers::Result<std::string> create_xml(const providers::StackObject& object) const override;
  providers::Result<providers::Spec> parse_xml(const std::string& xml) const override;
  providers::Result<std::string> update_xml(const std::string& current_xml,
                                            const providers::StackObject& object) const override;
  // A capacity the stack leaves to the source or backing file is what the
  // host has. What libvirt cannot tell comes from the ledger (the observer
  // merges it into the observed spec): source_sha256 is compared only when
  // recorded; protect and allow_shrink count as false when not recorded; a
  // cloud-init seed libvirt reports as format iso is the raw seed it was.
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec& observed) const override;
  const providers::FieldRules& field_rules() const override;
  // Data safety: the domain disks that use it and the overlays whose backing
  // file it is (/used_by, /backing_of, set by VolumeReader) hold it; its
  // capacity is lost with it; a shrink needs allow_shrink and no running
  // domain using it. A cloud-init seed (/cloud_init, from the ledger) is
  // derived from the stack: replacing it loses nothing and its domain does
  // not hold it then (the domain's CD-ROM media is swapped after), but its
  // destroy is held like any volume's.
  std::vector<providers::Hold> holds(const providers::ObjectId& id, const providers::Spec& observed,
                                     bool replacing) const override;
  std::optional<std::uint64_t> data_at_risk(const providers::Spec& observed) const override;
  // An overlay's backing file, by the one rule kvm's migration reads too
  // (providers::volume_base_of).
  std::optional<providers::VolumeBase> volume_base(const providers::Spec& observed) const override;
  // A base_only volume's new image when something uses its file itself
  // (not its clones), and a shrink (see holds()).
  std::optional<std::string> refusal(const providers::Spec& before,
                                     const providers::Spec& after) const override;
  // "new base sha256:abcd… for new clones; clones made of sha256:0123… keep it".
  std::vector<std::string> update_notes(const providers::Spec& before,
                                        const providers::Spec& after) const override;
  providers::Result<nlohmann::json> to_stack(const providers::Spec& spec) const override;
  std::string summary(const providers::Spec& spec) const override;
  std::string format_value(std::string_view path, const nlohmann::json& value) const override;
};

// The live ways of a volume's field rules, as VolumeActuator runs them.
namespace volume_live {
// vol-resize, or blockresize under a running domain.
inline constexpr std::string_view resize = "vol-resize";
// A base_only volume's new image: its file is made anew from the image
// (vol-delete, then as a create); its clones keep the cached image they
// were made of.
inline constexpr std::string_view new_base = "new-base";
}  // namespace volume_live

const providers::FieldRules& volume_field_rules();

// The one VolumeKind the program uses.
const VolumeKind& volume_kind();

// The volume kind's registry entry: volume_kind(), its reader and its actuator.
const providers::KindEntry& volume_entry();

}  // namespace virtplan::storage
