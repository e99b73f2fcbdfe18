#pragma once

// DomainChangeSet sorts the changed fields of a domain update by how apply
// carries each out: the impact the plan recorded in each field, and the live
// way of the field's rule (kvm/domain_field_rules.h), the table the plan read:
//   - autostart and state: their own virsh commands, whatever else changed;
//   - every other field: written to the config by an atomic redefine;
//   - restart-class fields (as the plan recorded them): take effect at the
//     next boot (apply restarts the domain once for all of them, unless
//     `restart: never`);
//   - config-class fields (a restart-class change the plan made while the
//     domain did not run across the apply): only written to the config; a
//     domain found running at apply time keeps them pending (`config`);
//   - live-class fields: also applied to the running domain, each the way
//     its rule names: vCPUs, memory, title, description, a device attached,
//     detached or updated (CD-ROM media, a NIC's source or link state), a
//     NIC's bandwidth (domiftune), a
//     disk's I/O limits (blkdeviotune), the
//     owner metadata (restart policy, wait, shutdown_timeout: DomainOwner).
// A field the plan showed as live whose rule has no live way is listed in
// `no_live_way`: apply reports it and changes nothing, never restarts for it.

#include "kvm/domain_device_ref.h"
#include "providers/kind/field_change.h"

#include <string>
#include <vector>

namespace virtplan::kvm {

struct DomainChangeSet {
  // A device to detach live, with the field that removes it: when the guest
  // does not release the device, the field is put back into the config so
  // the next plan still shows it.
  struct Detach {
    DomainDeviceRef device;
    providers::FieldChange field;
  };

  bool autostart = false;
  bool state = false;
  bool config = false;  // something the XML holds changed: redefine
  std::vector<providers::FieldChange> restart;
  std::vector<providers::FieldChange> config_only;  // impact config: read at the next start

  bool vcpus = false;
  bool memory = false;
  bool title = false;
  bool description = false;
  bool metadata = false;                // the owner element in <metadata> (DomainOwner)
  std::vector<DomainDeviceRef> attach;  // disks and host devices by key
  // A NIC was added: attach every NIC the new config has and the running
  // domain lacks (a NIC without `mac:` gets its MAC only at define).
  bool attach_nics = false;
  std::vector<Detach> detach;
  std::vector<DomainDeviceRef> update;  // CD-ROM media, NIC source and link (deduplicated)
  std::vector<std::string> iftune;      // NICs (by MAC) whose bandwidth changes live (deduplicated)
  std::vector<std::string> iotune;      // disks (targets) whose I/O limits change (deduplicated)
  std::vector<providers::FieldChange> no_live_way;

  // The live changes made after the redefine (all but the detaches).
  bool any_live_after_define() const {
    return vcpus || memory || title || description || metadata || !attach.empty() || attach_nics ||
           !update.empty() || !iftune.empty() || !iotune.empty();
  }

  static DomainChangeSet of(const std::vector<providers::FieldChange>& fields);
};

}  // namespace virtplan::kvm
