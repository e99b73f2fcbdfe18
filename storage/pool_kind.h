#pragma once

// PoolKind is the "pool" resource kind: libvirt storage pools of every type
// libvirt 9.0 offers for local and shared block/file storage (dir, fs, netfs,
// logical, disk, iscsi, iscsi-direct, scsi, mpath). The spec is PoolSpec's JSON.
//
// Impact (pool_field_rules(), the table the plan and PoolActuator read):
// autostart changes live (`pool-autostart`), and so does /active (the
// stack's `active:`, default true; the reader sets what it found): starting a
// pool (`pool-start`) or stopping it (`pool-destroy`, which keeps it defined);
// any other change (type,
// target path, source) replaces the pool, and with it its volumes.
//
// What libvirt's XML does not hold, parse_xml() leaves out: "autostart" (read
// it with `virsh pool-list --all --autostart --name` and set /autostart).
// "shared" (the stack's `shared:`) is the stack's word about the storage
// behind the pool, read only by shares_storage(); reconcile() leaves it out
// of what is compared with the host.
// Pools drop <metadata>, so ownership lives in the host's ledger.

#include "providers/kind/registry.h"
#include "providers/kind/resource_kind.h"

namespace virtplan::storage {

class PoolKind : public providers::ResourceKind {
public:
  PoolKind() : ResourceKind("pool", "pools") {}

  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override;
  std::vector<providers::Reference> references(const providers::StackObject& object) const override;
  // Two pools of one host with the same target path.
  void check(const providers::StackObject& object, const providers::StackIndex& all,
             providers::Diagnostics& diags) const override;
  providers::Result<std::string> create_xml(const providers::StackObject& object) const override;
  providers::Result<providers::Spec> parse_xml(const std::string& xml) const override;
  // The pool's XML rebuilt from the spec, keeping the host's UUID and target
  // permissions (every change but autostart is a replace, so this is the
  // document a replace or an adoption defines).
  providers::Result<std::string> update_xml(const std::string& current_xml,
                                            const providers::StackObject& object) const override;
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec& observed) const override;
  const providers::FieldRules& field_rules() const override;
  // A replace is refused while the pool holds volumes (/volumes, set by
  // PoolReader for an active pool); a destroy keeps their files.
  std::vector<providers::Hold> holds(const providers::ObjectId& id, const providers::Spec& observed,
                                     bool replacing) const override;
  providers::Result<nlohmann::json> to_stack(const providers::Spec& spec) const override;
  std::string summary(const providers::Spec& spec) const override;
  // The one rule for shared pools (see the README's Migration section): the
  // same type on both hosts, then `shared:` where either declaration says it
  // (false on either: not shared; true on both: shared), else the type's
  // nature: the same values of pool_shared_source_keys() (an NFS export, an
  // iSCSI target).
  bool shares_storage(const providers::Spec& here, const providers::Spec& there) const override;
};

// The live ways of a pool's field rules, as PoolActuator runs them.
namespace pool_live {
inline constexpr std::string_view autostart = "pool-autostart";
inline constexpr std::string_view start = "pool-start";  // or pool-destroy, for `active: false`
}  // namespace pool_live

const providers::FieldRules& pool_field_rules();

// The one PoolKind the program uses.
const PoolKind& pool_kind();

// The pool kind's registry entry: pool_kind(), its reader and its actuator.
const providers::KindEntry& pool_entry();

}  // namespace virtplan::storage
