#include "cli/node_size_reader.h"

#include "providers/base/plain_text.h"
#include "providers/virsh/label_table.h"

#include <nlohmann/json.hpp>

namespace virtplan::cli {
namespace {

using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// Round 1: nodeinfo and the running pools' names; round 2: each pool's
// space in bytes.
class NodeSizeReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    switch (m_stage++) {
      case 0:
        return {{"nodeinfo"}, {"pool-list", "--name"}};
      case 1:
        return pool_round(previous);
      case 2:
        read_pools(previous);
        return {};
      default:
        return {};
    }
  }

  Result<std::vector<ReadObject>> finish() override {
    std::vector<ReadObject> objects;
    if (!m_size) return objects;
    ReadObject node;
    node.name = "node";
    node.spec = {{"cpus", m_size->cpus}, {"memory", m_size->memory}, {"pools", nlohmann::json::object()}};
    for (const auto& [pool, space] : m_size->pools) {
      node.spec["pools"][pool] = {{"capacity", space.capacity}, {"available", space.available}};
    }
    objects.push_back(std::move(node));
    return objects;
  }

private:
  std::vector<VirshArgs> pool_round(const std::vector<Result<std::string>>& previous) {
    if (previous.size() == 2 && previous[0]) m_size = parse_nodeinfo(*previous[0]);
    std::vector<VirshArgs> out;
    if (!m_size || previous.size() < 2 || !previous[1]) return out;
    for (std::string_view line : providers::lines_of(*previous[1])) {
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string_view::npos) continue;
      const std::string name(line.substr(start, line.find_last_not_of(" \t\r") - start + 1));
      m_pools.push_back(name);
      out.push_back({"pool-info", "--bytes", name});
    }
    return out;
  }

  // A pool that went away between the rounds, or said no numbers, is left out.
  void read_pools(const std::vector<Result<std::string>>& previous) {
    for (std::size_t i = 0; i < previous.size() && i < m_pools.size(); ++i) {
      if (!previous[i]) continue;
      if (auto space = parse_pool_info(*previous[i])) m_size->pools[m_pools[i]] = *space;
    }
  }

  int m_stage = 0;
  std::optional<planner::NodeSize> m_size;
  std::vector<std::string> m_pools;  // as asked in round 2
};

}  // namespace

std::unique_ptr<providers::KindReading> NodeSizeReader::start(
    const std::vector<providers::StackObject>& /*declared*/) const {
  return std::make_unique<NodeSizeReading>();
}

// virsh prints the memory in KiB.
std::optional<planner::NodeSize> parse_nodeinfo(std::string_view nodeinfo) {
  auto cpus = providers::table_number(nodeinfo, "CPU(s):");
  auto kib = providers::table_number(nodeinfo, "Memory size:");
  if (!cpus || !kib || *cpus == 0 || *kib == 0) return std::nullopt;
  return planner::NodeSize{static_cast<int>(*cpus), *kib * 1024, {}};
}

std::optional<planner::NodeSize::PoolSpace> parse_pool_info(std::string_view info) {
  auto capacity = providers::table_number(info, "Capacity:");
  auto available = providers::table_number(info, "Available:");
  if (!capacity || !available) return std::nullopt;
  return planner::NodeSize::PoolSpace{*capacity, *available};
}

namespace {

planner::NodeSize size_of(const providers::Spec& spec) {
  planner::NodeSize size{spec.value("cpus", 0), spec.value("memory", std::uint64_t{0}), {}};
  if (spec.contains("pools") && spec["pools"].is_object()) {
    for (const auto& [pool, space] : spec["pools"].items()) {
      size.pools[pool] = planner::NodeSize::PoolSpace{space.value("capacity", std::uint64_t{0}),
                                                      space.value("available", std::uint64_t{0})};
    }
  }
  return size;
}

}  // namespace

std::map<std::string, planner::NodeSize> node_sizes(
    const std::map<std::pair<std::string, std::string>, providers::Spec>& facts) {
  std::map<std::string, planner::NodeSize> sizes;
  for (const auto& [where, spec] : facts) sizes[where.first] = size_of(spec);
  return sizes;
}

std::map<std::string, planner::NodeSize> take_node_sizes(planner::ObservedState& observed) {
  std::map<std::string, planner::NodeSize> sizes;
  auto is_node = [](const planner::ObservedObject& o) { return o.id.kind == NodeSizeReader::k_kind; };
  for (const auto& object : observed.objects) {
    if (!is_node(object)) continue;
    sizes[object.id.host] = size_of(object.spec);
  }
  std::erase_if(observed.objects, is_node);
  std::erase_if(observed.unrepresentable,
                [](const planner::UnrepresentableObject& o) { return o.id.kind == NodeSizeReader::k_kind; });
  return sizes;
}

}  // namespace virtplan::cli
