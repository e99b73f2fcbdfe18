#pragma once

// DomainChangeSet sorts the changed fields of a domain update by how apply
// carries each out (the impact classes are DomainImpact's; the libvirt facts
// behind them are in libvirt-facts.md):
//   - autostart and state: their own virsh commands, whatever else changed;
//   - every other field: written to the config by an atomic redefine;
//   - restart-class fields: take effect at the next boot (apply restarts the
//     domain once for all of them, unless `restart: never`);
//   - live-class fields: also applied to the running domain, each its own
//     way: vCPUs, memory, title, description, a device attached, detached or
//     updated (CD-ROM media, a NIC's source or link state), the owner
//     metadata (restart policy, wait, shutdown_timeout: DomainOwner).
// A live field the actuator has no live way for counts as restart-class, so
// nothing is silently left unapplied on a running domain.

#include "kvm/domain_device_ref.h"
#include "providers/field_change.h"

#include <string>
#include <string_view>
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

  bool vcpus = false;
  bool memory = false;
  bool title = false;
  bool description = false;
  bool metadata = false;  // the owner element in <metadata> (DomainOwner)
  std::vector<DomainDeviceRef> attach;  // disks and host devices by key
  // A NIC was added: attach every NIC the new config has and the running
  // domain lacks (a NIC without `mac:` gets its MAC only at define).
  bool attach_nics = false;
  std::vector<Detach> detach;
  std::vector<DomainDeviceRef> update;  // CD-ROM media, NIC source and link (deduplicated)

  bool any_live() const {
    return vcpus || memory || title || description || metadata || !attach.empty() || attach_nics ||
           !detach.empty() || !update.empty();
  }

  static DomainChangeSet of(const std::vector<providers::FieldChange>& fields);
};

// A JSON pointer's tokens, unescaped ("/disks/vd~1b" -> {"disks", "vd/b"}).
std::vector<std::string> pointer_tokens(std::string_view pointer);

}  // namespace virtplan::kvm
