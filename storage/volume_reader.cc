#include "storage/volume_reader.h"

#include "providers/list_dump_reading.h"
#include "storage/volume_kind.h"
#include "storage/volume_users.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace virtplan::storage {

namespace {

using nlohmann::json;
using providers::ErrorCode;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// Round 1: the pools and the domains (all, running). Round 2: each pool's
// volumes, each domain's inactive XML and each running domain's live XML (a
// disk attached live only is in use too). Round 3: each volume's XML.
class VolumeReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    switch (m_stage++) {
      case 0:
        return {{"pool-list", "--name"}, {"list", "--all", "--name"}, {"list", "--name"}};
      case 1:
        return list_volumes(previous);
      case 2:
        return dump_volumes(previous);
      case 3:
        m_dumps = previous;
        return {};
    }
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    if (m_error) return std::unexpected(*m_error);
    std::vector<ReadObject> objects;
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < m_volumes.size() && i < m_dumps.size(); ++i) {
      const auto& [pool, name] = m_volumes[i];
      if (!m_dumps[i]) {
        if (m_dumps[i].error().code() == ErrorCode::not_found) continue;
        return std::unexpected(m_dumps[i].error().with_context(pool + "/" + name));
      }
      auto spec = VolumeKind().parse_xml(*m_dumps[i]);
      if (!spec) return std::unexpected(spec.error().with_context(pool + "/" + name));
      auto path = volume_path(*m_dumps[i]);
      if (!path) return std::unexpected(path.error().with_context(pool + "/" + name));
      (*spec)["pool"] = pool;
      (*spec)["used_by"] = users(pool, name, *path);
      paths.push_back(*path);
      objects.push_back(ReadObject{name, std::move(*spec), std::nullopt});
    }
    add_backing_of(objects, paths);
    return objects;
  }

private:
  std::vector<VirshArgs> list_volumes(const std::vector<Result<std::string>>& previous) {
    for (const auto& listed : previous) {
      if (!listed) return stop(listed.error());
    }
    for (const std::string& pool : providers::parse_name_list(*previous[0])) m_pools.push_back(pool);
    std::set<std::string> running = providers::parse_name_list(*previous[2]);
    std::vector<VirshArgs> commands;
    for (const std::string& pool : m_pools) commands.push_back({"vol-list", "--pool", pool});
    for (const std::string& domain : providers::parse_name_list(*previous[1])) {
      commands.push_back({"dumpxml", "--inactive", "--domain", domain});
      m_domain_dumps.emplace_back(domain, false);
      if (running.contains(domain)) {
        commands.push_back({"dumpxml", "--domain", domain});
        m_domain_dumps.emplace_back(domain, true);
      }
    }
    if (m_pools.empty()) m_stage = 4;
    return commands;
  }

  std::vector<VirshArgs> dump_volumes(const std::vector<Result<std::string>>& previous) {
    std::vector<VirshArgs> dumps;
    for (std::size_t i = 0; i < previous.size() && i < m_pools.size(); ++i) {
      // A pool stopped since the first round has nothing to read now.
      if (!previous[i]) continue;
      for (const std::string& name : parse_volume_table(*previous[i])) {
        m_volumes.emplace_back(m_pools[i], name);
        dumps.push_back({"vol-dumpxml", "--pool", m_pools[i], "--vol", name});
      }
    }
    for (std::size_t i = 0; i < m_domain_dumps.size(); ++i) {
      const auto& xml = previous.at(m_pools.size() + i);
      // A domain undefined or stopped since the listing uses nothing.
      if (!xml) continue;
      auto disks = read_domain_disks(*xml, m_domain_dumps[i].second);
      if (!disks) return stop(disks.error().with_context("domain " + m_domain_dumps[i].first));
      std::move(disks->begin(), disks->end(), std::back_inserter(m_disks));
    }
    if (dumps.empty()) m_stage = 4;
    return dumps;
  }

  // [{"domain": "web", "disk": "vda", "running": true}], one per domain disk,
  // sorted; a running domain's disk counted once.
  json users(const std::string& pool, const std::string& name, const std::string& path) const {
    std::map<std::pair<std::string, std::string>, bool> found;
    for (const DomainDisk& disk : disks_using(m_disks, pool, name, path)) {
      found[{disk.domain, disk.target}] |= disk.running;
    }
    json out = json::array();
    for (const auto& [key, running] : found) {
      out.push_back({{"domain", key.first}, {"disk", key.second}, {"running", running}});
    }
    return out;
  }

  // Each volume whose path is another's backing file gets that one's name
  // in `backing_of`.
  static void add_backing_of(std::vector<ReadObject>& objects, const std::vector<std::string>& paths) {
    std::map<std::string, std::size_t> by_path;
    for (std::size_t i = 0; i < paths.size(); ++i) by_path[paths[i]] = i;
    std::map<std::size_t, std::set<std::string>> overlays;
    for (const ReadObject& object : objects) {
      if (!object.spec.contains("backing_store")) continue;
      auto it = by_path.find(object.spec["backing_store"].value("path", ""));
      if (it != by_path.end()) overlays[it->second].insert(object.name);
    }
    for (std::size_t i = 0; i < objects.size(); ++i) {
      objects[i].spec["backing_of"] = json::array();
      for (const std::string& name : overlays[i]) objects[i].spec["backing_of"].push_back(name);
    }
  }

  std::vector<VirshArgs> stop(providers::Error error) {
    m_error = std::move(error);
    m_stage = 4;
    return {};
  }

  int m_stage = 0;
  std::vector<std::string> m_pools;
  std::vector<std::pair<std::string, bool>> m_domain_dumps;  // (domain, live), dump order
  std::vector<DomainDisk> m_disks;
  std::vector<std::pair<std::string, std::string>> m_volumes;  // (pool, name), dump order
  std::vector<Result<std::string>> m_dumps;
  std::optional<providers::Error> m_error;
};

}  // namespace

std::vector<std::string> parse_volume_table(const std::string& output) {
  std::vector<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  return names;
}

std::unique_ptr<providers::KindReading> VolumeReader::start() const {
  return std::make_unique<VolumeReading>();
}

}  // namespace virtplan::storage
