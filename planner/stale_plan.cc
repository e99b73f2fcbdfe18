#include "planner/stale_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

namespace virtplan::planner {

using providers::ObjectId;

namespace {

std::map<ObjectId, const nlohmann::json*> befores(const Plan& plan) {
  std::map<ObjectId, const nlohmann::json*> out;
  for (const Change& c : plan.changes()) out.emplace(c.id, &c.observed_spec());
  return out;
}

const nlohmann::json& before_of(const std::map<ObjectId, const nlohmann::json*>& all, const ObjectId& id) {
  static const nlohmann::json k_absent;
  auto it = all.find(id);
  return it == all.end() ? k_absent : *it->second;
}

}  // namespace

std::vector<ObjectId> stale_objects(const Plan& saved, const Plan& fresh) {
  const auto then = befores(saved);
  const auto now = befores(fresh);
  std::map<std::string, ObjectId> stale;  // by address, the order users read
  for (const auto* side : {&then, &now}) {
    for (const auto& [id, before] : *side) {
      if (before_of(then, id) != before_of(now, id)) stale.emplace(id.address(), id);
    }
  }
  std::vector<ObjectId> out;
  for (auto& [address, id] : stale) out.push_back(id);
  return out;
}

providers::Result<void> check_not_stale(const Plan& saved, const Plan& fresh) {
  if (saved.stack() != fresh.stack()) {
    return providers::fail(providers::ErrorCode::stale, fmt::format("saved plan is of stack '{}', not '{}'",
                                                                    saved.stack(), fresh.stack()));
  }
  const auto stale = stale_objects(saved, fresh);
  if (stale.empty()) return {};
  std::vector<std::string> addresses;
  for (const ObjectId& id : stale) addresses.push_back(id.address());
  return providers::fail(providers::ErrorCode::stale,
                         fmt::format("saved plan is stale: {} changed since it was planned; run plan again",
                                     fmt::join(addresses, ", ")));
}

}  // namespace virtplan::planner
