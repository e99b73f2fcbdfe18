#pragma once

// DomainSnapshots manages one domain's internal snapshots (qcow2 disks keep
// them inside the image) with virsh: create, list, revert, delete. These are
// operations outside desired state (`virtplan domain snapshot ...`); the next
// plan still compares the domain with its stack, so a revert that changed the
// power state shows there.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::kvm {

struct SnapshotInfo {
  std::string name;
  std::string state;   // the domain's state when it was taken: "running", "shutoff"...
  std::string parent;  // empty for a root snapshot
  bool current = false;

  bool operator==(const SnapshotInfo&) const = default;
};

class DomainSnapshots {
public:
  DomainSnapshots(const providers::VirshRunner& virsh, std::string domain);

  // Takes an internal snapshot named `name` of every disk (and, for a running
  // domain, its memory). already_exists when the name is taken.
  providers::Result<void> create(std::string_view name, std::string_view description = {}) const;
  // Every snapshot, sorted by name; two virsh round trips whatever their number.
  providers::Result<std::vector<SnapshotInfo>> list() const;
  // Puts the disks (and the power state it was taken in) back as they were.
  providers::Result<void> revert(std::string_view name) const;
  // Deletes one snapshot; the domain and its other snapshots stay.
  providers::Result<void> remove(std::string_view name) const;

private:
  providers::Result<void> run(std::vector<std::string> args, std::string_view what) const;

  const providers::VirshRunner& m_virsh;
  std::string m_domain;
};

// One snapshot from `virsh snapshot-info` ("Name:  x\nCurrent:  yes\n...").
SnapshotInfo parse_snapshot_info(std::string_view text);

}  // namespace virtplan::kvm
