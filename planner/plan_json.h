#pragma once

// The JSON form of a Plan (stack-format.md): what `plan --json` prints and
// what `plan --out FILE` saves for a later `apply FILE`.
//   {"format_version": "1", "stack": ..., "changes": [{"address", "kind",
//    "name", "host", "action", "impact", "reasons", "fields": [{"path",
//    "before", "after", "impact"}], "before", "after", "observed"?,
//    "group"?, "max_unavailable"?}], "summary": {...}, "rolls"?: [{"group",
//    "max_unavailable", "members": [address...]}]}
// `rolls` (planner/rolling.h) is there when a replica group's members roll.
// `before` is the observed spec's part compared with `after`, `observed`
// the whole observed spec (planner::Change), absent for a create.

#include "planner/plan.h"
#include "providers/base/error.h"

#include <nlohmann/json.hpp>

namespace virtplan::planner {

inline constexpr const char* k_plan_format_version = "1";

// Masking: on for anything a person or a log sees; off only for a saved plan
// file, which must hold the real values to be applied (so it is written 0600).
enum class Secrets { masked, kept };

nlohmann::json plan_to_json(const Plan& plan, Secrets secrets);

// Reads a saved plan back; a file from another format version is refused.
providers::Result<Plan> plan_from_json(const nlohmann::json& document);

}  // namespace virtplan::planner
