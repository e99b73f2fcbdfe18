#pragma once

// DiskTargetAllocator gives disks that name no target a deterministic one: the
// first free name for their bus ("vd" for virtio, "sd" for scsi and sata, "hd"
// for ide) followed by a..z, after every explicit target of the domain is
// reserved, in the order the disks are listed. A CD-ROM without a target on
// the default sata bus thus gets the first free sdX, and the cloud-init seed
// CD-ROM (added after the listed disks) the next one.

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace virtplan::kvm {

class DiskTargetAllocator {
public:
  void reserve(const std::string& target) { m_taken.insert(target); }
  bool taken(const std::string& target) const { return m_taken.contains(target); }
  // The first free target for `bus`, reserved; nullopt when a..z are all taken.
  std::optional<std::string> next(std::string_view bus);

  static std::string prefix(std::string_view bus);

private:
  std::set<std::string> m_taken;
};

}  // namespace virtplan::kvm
