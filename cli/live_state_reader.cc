#include "cli/live_state_reader.h"

#include "providers/virsh/domifaddr.h"
#include "providers/virsh/list_dump_reading.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace virtplan::cli {

namespace {

using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// The IPv4 and IPv6 addresses `virsh -q domifaddr` lists, without their prefix lengths.
std::vector<std::string> addresses_in(const std::string& domifaddr) {
  std::vector<std::string> addresses;
  for (const auto& row : providers::parse_domifaddr(domifaddr)) addresses.push_back(row.address);
  return addresses;
}

class LiveStateReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    switch (m_stage++) {
      case 0:
        return {{"net-list", "--name"}, {"pool-list", "--name"}, {"list", "--name", "--state-running"}};
      case 1:
        return read_lists(previous);
      case 2:
        // A domain stopped since the listing, or without a lease: no addresses.
        for (std::size_t i = 0; i < previous.size() && i < m_running.size(); ++i) {
          if (previous[i]) m_addresses[m_running[i]] = addresses_in(*previous[i]);
        }
        return {};
    }
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    if (m_error) return providers::fail(*m_error);
    std::vector<ReadObject> objects;
    for (const std::string& name : m_networks) objects.push_back({"network:" + name, {{"active", true}}, {}});
    for (const std::string& name : m_pools) objects.push_back({"pool:" + name, {{"active", true}}, {}});
    for (const auto& [name, addresses] : m_addresses) {
      objects.push_back({"domain:" + name, {{"addresses", addresses}}, {}});
    }
    std::sort(objects.begin(), objects.end(),
              [](const ReadObject& a, const ReadObject& b) { return a.name < b.name; });
    return objects;
  }

private:
  std::vector<VirshArgs> read_lists(const std::vector<Result<std::string>>& previous) {
    for (const auto& listed : previous) {
      if (!listed) {
        m_error = listed.error();
        return {};
      }
    }
    m_networks = providers::parse_name_list(*previous.at(0));
    m_pools = providers::parse_name_list(*previous.at(1));
    const auto running = providers::parse_name_list(*previous.at(2));
    m_running.assign(running.begin(), running.end());
    std::vector<VirshArgs> queries;
    for (const std::string& name : m_running) {
      m_addresses[name] = {};
      queries.push_back({"domifaddr", "--source", "lease", "--domain", name});
    }
    return queries;
  }

  int m_stage = 0;
  std::set<std::string> m_networks;
  std::set<std::string> m_pools;
  std::vector<std::string> m_running;  // the order domifaddr was asked in
  std::map<std::string, std::vector<std::string>> m_addresses;
  std::optional<providers::Error> m_error;
};

}  // namespace

// What runs now is listed first: the declared objects do not shorten it.
std::unique_ptr<providers::KindReading> LiveStateReader::start(
    const std::vector<providers::StackObject>& /*declared*/) const {
  return std::make_unique<LiveStateReading>();
}

}  // namespace virtplan::cli
