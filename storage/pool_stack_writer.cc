#include "storage/pool_stack_writer.h"

#include "storage/pool_spec.h"

namespace virtplan::storage {

using nlohmann::json;

providers::Result<json> pool_to_stack(const providers::Spec& spec) {
  // The typed round trip checks the shape; the JSON keys are the stack's own.
  auto typed = PoolSpec::from_json(spec);
  if (!typed) return providers::fail(typed.error());
  const json canonical = typed->to_json();
  json out = {{"type", canonical.at("type")}};
  if (canonical.contains("path")) out["path"] = canonical.at("path");
  if (canonical.contains("source") && !canonical.at("source").empty()) out["source"] = canonical.at("source");
  if (!canonical.value("autostart", true)) out["autostart"] = false;
  if (!canonical.value("active", true)) out["active"] = false;
  return out;
}

}  // namespace virtplan::storage
