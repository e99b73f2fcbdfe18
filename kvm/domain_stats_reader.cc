#include "kvm/domain_stats_reader.h"

#include "kvm/domain_stats.h"

#include <algorithm>

namespace virtplan::kvm {

providers::VirshArgs domstats_command() {
  return {"domstats", "--raw", "--state", "--cpu-total", "--balloon", "--vcpu", "--interface", "--block"};
}

namespace {

class DomainStatsReading : public providers::KindReading {
public:
  std::vector<providers::VirshArgs> next_round(
      const std::vector<providers::Result<std::string>>& previous) override {
    if (!m_asked) {
      m_asked = true;
      return {domstats_command()};
    }
    if (!previous.empty()) m_output = previous.front();
    return {};
  }

  providers::Result<std::vector<providers::ReadObject>> finish() override {
    if (!m_output) return providers::fail(m_output.error());
    std::vector<providers::ReadObject> objects;
    for (const DomainStats& stats : parse_domstats(*m_output)) {
      objects.push_back(providers::ReadObject{stats.domain, {{"stats", stats.values}}, std::nullopt});
    }
    std::sort(objects.begin(), objects.end(),
              [](const providers::ReadObject& a, const providers::ReadObject& b) { return a.name < b.name; });
    return objects;
  }

private:
  bool m_asked = false;
  providers::Result<std::string> m_output = std::string();
};

}  // namespace

// One command reads every domain: nothing declared to read ahead.
std::unique_ptr<providers::KindReading> DomainStatsReader::start(
    const std::vector<providers::StackObject>& /*declared*/) const {
  return std::make_unique<DomainStatsReading>();
}

}  // namespace virtplan::kvm
