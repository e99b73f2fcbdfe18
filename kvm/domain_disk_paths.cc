#include "kvm/domain_disk_paths.h"

#include "providers/xml/document.h"

#include <map>

namespace virtplan::kvm {

using nlohmann::json;

namespace {

std::optional<std::string> disk_pool_type(const providers::Result<std::string>& xml) {
  if (!xml) return std::nullopt;
  auto document = providers::XmlDocument::parse(*xml, "pool xml");
  if (!document) return std::nullopt;
  return document->root().attr("type");
}

std::string trimmed_path(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

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

DiskSources read_disk_sources(const providers::VirshRunner& virsh,
                              const std::set<DiskSources::Volume>& volumes) {
  DiskSources sources;
  if (volumes.empty()) return sources;
  std::vector<std::vector<std::string>> commands;
  std::map<std::string, std::size_t> pools;  // pool -> its pool-dumpxml in `commands`
  for (const auto& volume : volumes) {
    if (pools.emplace(volume.pool, commands.size()).second)
      commands.push_back({"pool-dumpxml", "--pool", volume.pool});
  }
  const std::size_t first_path = commands.size();
  for (const auto& volume : volumes) commands.push_back({"vol-path", "--pool", volume.pool, volume.name});
  const auto answers = virsh.batch(commands);
  std::size_t i = first_path;
  for (const auto& volume : volumes) {
    const auto& path = answers.at(i++);
    auto type = disk_pool_type(answers.at(pools.at(volume.pool)));
    auto disk_type = type ? DiskSources::disk_type_for_pool(*type) : std::nullopt;
    if (path && disk_type) sources.add(volume, trimmed_path(*path), *disk_type);
  }
  return sources;
}

}  // namespace virtplan::kvm
