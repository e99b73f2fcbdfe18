#include "planner/plan_json.h"

#include "planner/plan.h"
#include "planner/rolling.h"
#include "planner/sensitive.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>

namespace virtplan::planner {

using nlohmann::json;
using providers::ErrorCode;
using providers::fail;
using providers::Result;

namespace {

json field_to_json(const FieldChange& f, Secrets secrets) {
  const bool hide = secrets == Secrets::masked && is_sensitive_path(f.path);
  auto show = [&](const json& v) {
    if (hide && !v.is_null()) return json(k_sensitive);
    return secrets == Secrets::masked ? mask_sensitive(v) : v;
  };
  return json{{"path", f.path},
              {"before", show(f.before)},
              {"after", show(f.after)},
              {"impact", to_string(f.impact)}};
}

json change_to_json(const Change& c, Secrets secrets) {
  json fields = json::array();
  for (const FieldChange& f : c.fields) fields.push_back(field_to_json(f, secrets));
  auto spec = [&](const json& v) { return secrets == Secrets::masked ? mask_sensitive(v) : v; };
  json out = providers::object_id_json(c.id);
  out.update({{"action", to_string(c.action)},
              {"impact", to_string(c.impact)},
              {"reasons", c.reasons},
              {"fields", fields},
              {"before", spec(c.before)},
              {"after", spec(c.after)}});
  // What the host holds beyond the compared `before` (what the stack does
  // not declare): the stale-plan check compares it.
  if (!c.observed.is_null()) out["observed"] = spec(c.observed);
  // A volume's pool is part of its identity: a saved plan destroys the
  // volume it names, not a same-named one in another pool.
  if (!c.id.pool.empty()) out["pool"] = c.id.pool;
  // A migrate: the host the object goes to, and what carries it.
  if (!c.destination.empty()) out["destination"] = c.destination;
  if (!c.moves_with.empty()) out["moves_with"] = c.moves_with;
  if (c.destination_ours) out["destination_ours"] = true;
  // A replica group's member: the roll its disruptive change is part of.
  if (!c.group.empty()) {
    out["group"] = c.group;
    out["max_unavailable"] = c.max_unavailable;
  }
  if (c.live) out["live"] = true;
  if (!c.shared_pools.empty()) out["shared_pools"] = c.shared_pools;
  return out;
}

json summary_to_json(const PlanSummary& s) {
  return json{{"add", s.add},
              {"change", s.change},
              {"change_live", s.change_live},
              {"change_config", s.change_config},
              {"change_restart", s.change_restart},
              {"replace", s.replace},
              {"destroy", s.destroy},
              {"migrate", s.migrate},
              {"no_op", s.unchanged}};
}

Result<FieldChange> field_from_json(const json& j) {
  auto impact = impact_from_string(j.at("impact").get<std::string>());
  if (!impact) return fail(ErrorCode::invalid, "unknown impact " + j.at("impact").dump());
  return FieldChange{j.at("path").get<std::string>(), j.at("before"), j.at("after"), *impact};
}

Result<Change> change_from_json(const json& j) {
  Change c;
  c.id = {j.at("kind").get<std::string>(), j.at("name").get<std::string>(), j.at("host").get<std::string>(),
          j.value("pool", "")};
  auto action = action_from_string(j.at("action").get<std::string>());
  auto impact = impact_from_string(j.at("impact").get<std::string>());
  if (!action || !impact) {
    return fail(ErrorCode::invalid, c.id.address() + ": unknown action or impact");
  }
  c.action = *action;
  c.impact = *impact;
  c.reasons = j.at("reasons").get<std::vector<std::string>>();
  for (const json& f : j.at("fields")) {
    auto field = field_from_json(f);
    if (!field) return fail(field.error().with_context(c.id.address()));
    c.fields.push_back(*field);
  }
  c.before = j.at("before");
  c.after = j.at("after");
  c.observed = j.value("observed", nlohmann::json());
  c.destination = j.value("destination", "");
  c.moves_with = j.value("moves_with", "");
  c.destination_ours = j.value("destination_ours", false);
  c.group = j.value("group", "");
  c.max_unavailable = j.value("max_unavailable", 0);
  c.live = j.value("live", false);
  c.shared_pools = j.value("shared_pools", std::vector<std::string>{});
  if ((c.action == Action::migrate) != !c.destination.empty()) {
    return fail(ErrorCode::invalid, c.id.address() + ": a migrate, and only a migrate, names a destination");
  }
  return c;
}

}  // namespace

json plan_to_json(const Plan& plan, Secrets secrets) {
  json changes = json::array();
  for (const Change& c : plan.changes()) changes.push_back(change_to_json(c, secrets));
  // Derived from the changes (planner/rolling.h), for readers, when there
  // are any; a saved plan is read back from the changes alone.
  json rolls = json::array();
  for (const Roll& roll : rolls_of(plan.changes())) {
    json members = json::array();
    for (const providers::ObjectId& member : roll.members) members.push_back(member.address());
    rolls.push_back(
        json{{"group", roll.group}, {"max_unavailable", roll.max_unavailable}, {"members", members}});
  }
  json out{{"format_version", k_plan_format_version},
           {"stack", plan.stack()},
           {"changes", changes},
           {"summary", summary_to_json(plan.summary())}};
  if (!rolls.empty()) out["rolls"] = rolls;
  return out;
}

Result<Plan> plan_from_json(const json& document) {
  try {
    const std::string version = document.at("format_version").get<std::string>();
    if (version != k_plan_format_version) {
      return fail(ErrorCode::invalid,
                  fmt::format("plan format version {} is not supported (this virtplan reads {})", version,
                              k_plan_format_version));
    }
    std::vector<Change> changes;
    for (const json& j : document.at("changes")) {
      auto change = change_from_json(j);
      if (!change) return fail(change.error());
      changes.push_back(std::move(*change));
    }
    return Plan(document.at("stack").get<std::string>(), std::move(changes));
  } catch (const json::exception& e) {
    return fail(ErrorCode::invalid, fmt::format("not a virtplan plan: {}", e.what()));
  }
}

}  // namespace virtplan::planner
