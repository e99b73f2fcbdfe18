#pragma once

// DiskSources is how a domain's disks name their pool volumes in the XML
// (issue 17 item 4): as virt-install writes them, by path, for the volumes of
// pools whose volumes are files (dir, fs, netfs: <disk type='file'><source
// file=PATH/>) or block devices (logical, disk: <disk type='block'><source
// dev=PATH/>), and by pool and volume (<disk type='volume'>) only for the
// pool kinds that need it (iscsi, rbd, gluster...). On Ubuntu and Debian
// hosts AppArmor's virt-aa-helper labels a disk by its path; it has long had
// trouble with type='volume' disks (README, "Disks: by path, and their tuning keys").
//
// Both forms read back as the same disk: a path that is a known volume's
// path is that volume. The domain reader knows every volume's path from the
// pools' volume lists (path -> volume); the actuator asks the pools of the
// volumes it writes (volume -> path and disk type). A volume DiskSources does
// not know keeps type='volume', and a path it does not know is no volume (a
// hand-made disk the spec leaves alone).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace virtplan::kvm {

class DiskSources {
public:
  // A volume of a pool.
  struct Volume {
    std::string pool;
    std::string name;
    auto operator<=>(const Volume&) const = default;
  };
  // How a disk names a volume by path: type "file" or "block", and the path.
  struct Path {
    std::string type;
    std::string path;
  };

  // The disk type of a volume of a pool of `pool_type` ("dir"): "file" or
  // "block"; none when its disks name it by pool and volume.
  static std::optional<std::string> disk_type_for_pool(std::string_view pool_type);

  // `volume` is at `path`; `disk_type` empty when only the reading way is
  // known (a path is read back as the volume, never written).
  void add(const Volume& volume, const std::string& path, const std::string& disk_type = {});
  // Every volume a `virsh -q vol-list --pool POOL` table lists, by its path.
  void add_listing(const std::string& pool, const std::string& vol_list);

  // How to write `volume` by path; none: by pool and volume.
  std::optional<Path> path_of(const Volume& volume) const;
  // The volume at `path`, if it is one.
  std::optional<Volume> volume_at(const std::string& path) const;
  bool empty() const { return m_by_path.empty(); }

  // No volume by path: every disk as type='volume' (what a kind's XML
  // without a host says).
  static const DiskSources& none();

private:
  std::map<Volume, Path> m_by_volume;
  std::map<std::string, Volume> m_by_path;
};

}  // namespace virtplan::kvm
