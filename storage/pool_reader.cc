#include "storage/pool_reader.h"

#include "providers/list_dump_reading.h"
#include "storage/pool_kind.h"
#include "storage/volume_reader.h"

namespace virtplan::storage {

namespace {

using providers::ErrorCode;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// Names (all, autostart, active), then each pool's inactive XML and, for an
// active pool, its volumes.
class PoolReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    switch (m_stage++) {
      case 0:
        return {{"pool-list", "--all", "--name"},
                {"pool-list", "--all", "--name", "--autostart"},
                {"pool-list", "--name"}};
      case 1:
        return dump(previous);
      case 2:
        m_dumps = previous;
        return {};
    }
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    if (m_error) return std::unexpected(*m_error);
    std::vector<ReadObject> objects;
    std::size_t next = 0;
    for (const std::string& name : m_names) {
      if (next >= m_dumps.size()) break;
      const auto& xml = m_dumps[next++];
      const Result<std::string>* volumes = nullptr;
      if (m_active.contains(name) && next < m_dumps.size()) volumes = &m_dumps[next++];
      if (!xml) {
        // Gone between the listing and the dump: it is not there.
        if (xml.error().code() == ErrorCode::not_found) continue;
        return std::unexpected(xml.error().with_context(name));
      }
      auto spec = PoolKind().parse_xml(*xml);
      if (!spec) return std::unexpected(spec.error().with_context(name));
      (*spec)["autostart"] = m_autostart.contains(name);
      (*spec)["active"] = m_active.contains(name);
      // What a replace would take away; unknown (left out) for an inactive pool.
      if (volumes && *volumes) (*spec)["volumes"] = parse_volume_table(**volumes);
      objects.push_back(ReadObject{name, std::move(*spec), std::nullopt});
    }
    return objects;
  }

private:
  std::vector<VirshArgs> dump(const std::vector<Result<std::string>>& previous) {
    for (const auto& listed : previous) {
      if (!listed) {
        m_error = listed.error();
        m_stage = 3;
        return {};
      }
    }
    auto all = providers::parse_name_list(*previous.at(0));
    m_autostart = providers::parse_name_list(*previous.at(1));
    m_active = providers::parse_name_list(*previous.at(2));
    m_names.assign(all.begin(), all.end());
    std::vector<VirshArgs> commands;
    for (const std::string& name : m_names) {
      commands.push_back({"pool-dumpxml", "--inactive", "--pool", name});
      if (m_active.contains(name)) commands.push_back({"vol-list", "--pool", name});
    }
    if (commands.empty()) m_stage = 3;
    return commands;
  }

  int m_stage = 0;
  std::vector<std::string> m_names;
  std::set<std::string> m_autostart;
  std::set<std::string> m_active;
  std::vector<Result<std::string>> m_dumps;
  std::optional<providers::Error> m_error;
};

}  // namespace

std::unique_ptr<providers::KindReading> PoolReader::start() const {
  return std::make_unique<PoolReading>();
}

}  // namespace virtplan::storage
