#include "cli/targets.h"

#include "cli/kinds.h"
#include "planner/target_selection.h"
#include "providers/kind/object_address.h"

namespace virtplan::cli {

providers::Result<std::vector<providers::ObjectId>> parse_targets(const std::vector<std::string>& addresses) {
  std::vector<providers::ObjectId> ids;
  for (const std::string& address : addresses) {
    auto id = providers::parse_address(address);
    if (!id) return providers::fail(id.error().with_context("--target"));
    ids.push_back(*id);
  }
  return ids;
}

providers::Result<planner::Plan> narrow_to_targets(const planner::Plan& plan,
                                                   const std::vector<std::string>& addresses) {
  if (addresses.empty()) return plan;
  auto ids = parse_targets(addresses);
  if (!ids) return std::unexpected(ids.error());
  return planner::select_targets(plan, *ids, kind_lookup());
}

}  // namespace virtplan::cli
