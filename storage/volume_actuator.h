#pragma once

// VolumeActuator creates, grows and deletes storage volumes through virsh.
//
// create: vol-create --pool P with VolumeKind::create_xml on stdin (a qcow2
// overlay's <backingStore> is in that document); a volume with `source:` is
// its file uploaded (storage/volume_upload.h); a cloud-init seed (a spec with
// `cloud_init`, storage/cloud_init_volumes.h) is its ISO image, built in memory
// from those inputs and uploaded the same way. A changed seed is a replace
// (VolumeKind::impact), so it is never rewritten in place.
//
// update: capacity grows in place: `blockresize` through the first running
// domain whose disk uses the volume (QEMU holds a write lock on an image in
// use, so vol-resize would fail), `vol-resize` otherwise. Domain users are
// read from the domains' XML at apply time, not from the plan: a domain may
// have started since. A shrink is done only with allow_shrink, and never
// under a running domain. protect, allow_shrink and the source path change
// nothing on the host; they are what the ledger remembers (ledger_data).
//
// destroy: vol-delete. The planner guarantees nobody holds the volume (see
// VolumeKind::holds); a volume already gone is done.

#include "providers/kind/actuator.h"

namespace virtplan::storage {

class VolumeActuator : public providers::KindActuator {
public:
  std::string_view kind() const override { return "volume"; }
  providers::Result<providers::ActuatorOutcome> create(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> update(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> destroy(const providers::ActuatorStep& step,
                                                        providers::HostSession& host) const override;
  providers::Result<bool> exists(const providers::ObjectId& id, providers::HostSession& host) const override;
  // An overlay of an image by URL that a migration carries: the image
  // fetched into the destination's cache (fetch_carried_image()).
  providers::Result<void> prepare_carried(const providers::ActuatorStep& step,
                                          providers::HostSession& to) const override;
  // volume_ledger_data() of the observed spec.
  nlohmann::json ledger_data(const providers::Spec& observed) const override;
};

// What the ledger remembers of a volume: what its spec holds that libvirt
// cannot show (protect, allow_shrink, the source file and its sha256, a
// seed's cloud_init inputs).
nlohmann::json volume_ledger_data(const providers::Spec& spec);
// Every key volume_ledger_data() may write: the observer merges only these
// from a ledger entry (VolumeReader::ledger_keys()).
std::vector<std::string> volume_ledger_keys();

}  // namespace virtplan::storage
