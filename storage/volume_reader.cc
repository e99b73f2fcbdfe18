#include "storage/volume_reader.h"

#include "providers/list_dump_reading.h"
#include "storage/volume_kind.h"

#include <sstream>

namespace virtplan::storage {

namespace {

using providers::ErrorCode;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// Pools, then their volumes, then each volume's XML.
class VolumeReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    switch (m_stage++) {
      case 0:
        return {{"pool-list", "--name"}};
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
    for (std::size_t i = 0; i < m_volumes.size() && i < m_dumps.size(); ++i) {
      const auto& [pool, name] = m_volumes[i];
      if (!m_dumps[i]) {
        if (m_dumps[i].error().code() == ErrorCode::not_found) continue;
        return std::unexpected(m_dumps[i].error().with_context(pool + "/" + name));
      }
      auto spec = VolumeKind().parse_xml(*m_dumps[i]);
      if (!spec) return std::unexpected(spec.error().with_context(pool + "/" + name));
      (*spec)["pool"] = pool;
      objects.push_back(ReadObject{name, std::move(*spec), std::nullopt});
    }
    return objects;
  }

private:
  std::vector<VirshArgs> list_volumes(const std::vector<Result<std::string>>& previous) {
    if (!previous.at(0)) return stop(previous[0].error());
    for (const std::string& pool : providers::parse_name_list(*previous[0])) m_pools.push_back(pool);
    std::vector<VirshArgs> lists;
    for (const std::string& pool : m_pools) lists.push_back({"vol-list", "--pool", pool});
    if (lists.empty()) m_stage = 4;
    return lists;
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
    if (dumps.empty()) m_stage = 4;
    return dumps;
  }

  std::vector<VirshArgs> stop(providers::Error error) {
    m_error = std::move(error);
    m_stage = 4;
    return {};
  }

  int m_stage = 0;
  std::vector<std::string> m_pools;
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
