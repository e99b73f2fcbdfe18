#include "kvm/domain_disk_paths.h"

#include "providers/base/plain_text.h"
#include "providers/kind/storage_facts.h"
#include "providers/xml/document.h"

#include <map>

namespace virtplan::kvm {

using nlohmann::json;

std::optional<PoolPlace> pool_place(const providers::Result<std::string>& xml) {
  if (!xml) return std::nullopt;
  auto document = providers::XmlDocument::parse(*xml, "pool xml");
  if (!document) return std::nullopt;
  auto type = document->root().attr("type");
  if (!type) return std::nullopt;
  std::string path;
  if (auto target = document->root().child("target")) {
    if (auto target_path = target->child("path")) path = target_path->text();
  }
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  return PoolPlace{*type, path};
}

bool paths_follow_names(const PoolPlace& pool) {
  return providers::pool_of_files(pool.type) && !pool.target_path.empty();
}

std::set<DiskSources::Volume> disk_volumes(const std::vector<const json*>& specs) {
  std::set<DiskSources::Volume> volumes;
  for (const json* spec : specs) {
    if (spec == nullptr || !spec->is_object() || !spec->contains("disks") || !spec->at("disks").is_object())
      continue;
    for (const auto& item : spec->at("disks").items()) {
      const json& disk = item.value().contains("media") ? item.value().at("media") : item.value();
      if (!disk.is_object() || !disk.contains("volume") || !disk.contains("pool")) continue;
      if (!disk.at("volume").is_string() || !disk.at("pool").is_string()) continue;
      volumes.insert({disk.at("pool").get<std::string>(), disk.at("volume").get<std::string>()});
    }
  }
  return volumes;
}

// A pool's XML is read once per session (HostSession::read_once): a domain
// create asked it again for every domain (100 domains, 100 reads of one
// pool), and with a vol-path each, which put the multi-host bench at 1.5x
// its floor. A pool's type and target do not change under an apply's lock
// but by replacing the pool, and its domains' steps wait for that.
DiskSources read_disk_sources(const providers::HostSession& host,
                              const std::set<DiskSources::Volume>& volumes) {
  DiskSources sources;
  std::vector<std::vector<std::string>> lookups;
  std::vector<std::pair<DiskSources::Volume, std::string>> looked_up;  // volume, disk type
  for (const auto& volume : volumes) {
    const auto pool = pool_place(host.read_once({"pool-dumpxml", "--pool", volume.pool}));
    if (!pool) continue;
    const auto disk_type = DiskSources::disk_type_for_pool(pool->type);
    if (!disk_type) continue;
    if (paths_follow_names(*pool)) {
      sources.add(volume, pool->target_path + "/" + volume.name, *disk_type);
    } else {
      lookups.push_back({"vol-path", "--pool", volume.pool, volume.name});
      looked_up.emplace_back(volume, *disk_type);
    }
  }
  if (lookups.empty()) return sources;
  const auto answers = host.virsh().batch(lookups);
  for (std::size_t i = 0; i < looked_up.size(); ++i) {
    if (answers.at(i))
      sources.add(looked_up[i].first, std::string(providers::trimmed(*answers.at(i))), looked_up[i].second);
  }
  return sources;
}

}  // namespace virtplan::kvm
