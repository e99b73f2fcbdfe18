#include "cli/node_size_reader.h"

#include "providers/virsh/nodeinfo.h"

namespace virtplan::cli {
namespace {

using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

class NodeSizeReading : public providers::KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    if (m_stage++ == 0) return {{"nodeinfo"}};
    if (!previous.empty() && previous.front()) m_size = parse_nodeinfo(*previous.front());
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    std::vector<ReadObject> objects;
    if (!m_size) return objects;
    ReadObject node;
    node.name = "node";
    node.spec = {{"cpus", m_size->cpus}, {"memory", m_size->memory}};
    objects.push_back(std::move(node));
    return objects;
  }

private:
  int m_stage = 0;
  std::optional<planner::NodeSize> m_size;
};

}  // namespace

std::unique_ptr<providers::KindReading> NodeSizeReader::start(
    const std::vector<providers::StackObject>& /*declared*/) const {
  return std::make_unique<NodeSizeReading>();
}

// virsh prints the memory in KiB.
std::optional<planner::NodeSize> parse_nodeinfo(std::string_view nodeinfo) {
  auto cpus = providers::nodeinfo_number(nodeinfo, "CPU(s):");
  auto kib = providers::nodeinfo_number(nodeinfo, "Memory size:");
  if (!cpus || !kib || *cpus == 0 || *kib == 0) return std::nullopt;
  return planner::NodeSize{static_cast<int>(*cpus), *kib * 1024};
}

namespace {

planner::NodeSize size_of(const providers::Spec& spec) {
  return planner::NodeSize{spec.value("cpus", 0), spec.value("memory", std::uint64_t{0})};
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
