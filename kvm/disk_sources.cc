#include "kvm/disk_sources.h"

#include "providers/kind/storage_facts.h"

#include <sstream>

namespace virtplan::kvm {

std::optional<std::string> DiskSources::disk_type_for_pool(std::string_view pool_type) {
  // As virt-install: a pool of files' volume is a file, a volume group's
  // or a partitioned disk's is a block device. The others' volumes are
  // network disks or LUNs that only the pool can name.
  if (providers::pool_of_files(pool_type)) return "file";
  if (pool_type == "logical" || pool_type == "disk") return "block";
  return std::nullopt;
}

void DiskSources::add(const Volume& volume, const std::string& path, const std::string& disk_type) {
  if (path.empty()) return;
  m_by_path[path] = volume;
  if (!disk_type.empty()) m_by_volume[volume] = Path{disk_type, path};
}

void DiskSources::add_listing(const std::string& pool, const std::string& vol_list) {
  // " NAME   PATH" per line: the name is the first word (as the volume reader
  // reads it), the path the rest.
  std::istringstream lines(vol_list);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    std::string path;
    std::getline(words, path);
    const auto first = path.find_first_not_of(" \t");
    const auto last = path.find_last_not_of(" \t\r");
    if (first == std::string::npos) continue;
    add(Volume{pool, name}, path.substr(first, last - first + 1));
  }
}

std::optional<DiskSources::Path> DiskSources::path_of(const Volume& volume) const {
  auto found = m_by_volume.find(volume);
  if (found == m_by_volume.end()) return std::nullopt;
  return found->second;
}

std::optional<DiskSources::Volume> DiskSources::volume_at(const std::string& path) const {
  auto found = m_by_path.find(path);
  if (found == m_by_path.end()) return std::nullopt;
  return found->second;
}

const DiskSources& DiskSources::none() {
  static const DiskSources k_none;
  return k_none;
}

}  // namespace virtplan::kvm
