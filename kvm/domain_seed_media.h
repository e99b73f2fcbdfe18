#pragma once

// swap_seed_media() makes a running domain's cloud-init seed CD-ROM (volume
// "<name>-cidata") show the seed volume as it is in the pool now. A seed
// replaced under a running domain (vol-delete, then a new file at the same
// path) is not what QEMU reads: it keeps the deleted file open, across guest
// reboots too, until the media is changed. update-device with an unchanged
// source changes nothing (libvirt compares the source), so the media is
// ejected first (`change-media --eject --force`: a guest that mounted the
// CD-ROM locks its tray), then the disk's element from `config` (the
// inactive XML) goes back in with `update-device --live`, which opens the
// new file; a re-read of the live XML confirms the source is there again.
// Returns the CD-ROM's target, or nullopt when the config has no seed
// CD-ROM or the running domain does not show it (nothing to swap).

#include "providers/base/error.h"
#include "providers/kind/step_log.h"
#include "providers/virsh/runner.h"
#include "providers/xml/document.h"

#include <optional>
#include <string>

namespace virtplan::kvm {

providers::Result<std::optional<std::string>> swap_seed_media(const providers::VirshRunner& virsh,
                                                              const std::string& name,
                                                              const providers::XmlDocument& config,
                                                              providers::StepLog& log);

}  // namespace virtplan::kvm
