#include "storage/volume_stack_writer.h"

#include "providers/base/stack_size.h"
#include "storage/volume_spec.h"

namespace virtplan::storage {

using nlohmann::json;

providers::Result<json> volume_to_stack(const providers::Spec& spec) {
  auto typed = VolumeSpec::from_json(spec);
  if (!typed) return providers::fail(typed.error());
  if (!typed->pool) return providers::fail(providers::ErrorCode::invalid, "volume spec: no pool");
  json out = {{"pool", *typed->pool}};
  const std::optional<std::string>& backing = typed->backing;
  // parse_xml() names a backing file outside the pool by its path, which a
  // stack cannot declare (`backing:` names a volume of the same pool).
  if (backing && backing->find('/') != std::string::npos) {
    return providers::fail(providers::ErrorCode::invalid, "backing file " + *backing +
                                                              " is not a volume of pool " + *typed->pool +
                                                              ": a stack cannot declare this overlay");
  }
  if (backing) out["backing"] = *backing;
  // The parser's default: qcow2 for an overlay, raw otherwise.
  if (typed->format != (backing ? "qcow2" : "raw")) out["format"] = typed->format;
  if (typed->capacity) out["capacity"] = providers::stack_size(*typed->capacity);
  if (typed->source) out["source"] = *typed->source;
  if (typed->source_url) {
    json source = {{"url", *typed->source_url}};
    if (typed->source_checksum_url) {
      source["checksum_url"] = *typed->source_checksum_url;
    } else if (typed->source_sha512) {
      source["sha512"] = *typed->source_sha512;
    } else if (typed->source_sha256) {
      source["sha256"] = *typed->source_sha256;
    }
    if (typed->source_fetch) source["fetch"] = *typed->source_fetch;
    out["source"] = source;
  }
  if (typed->protect) out["protect"] = true;
  if (typed->allow_shrink) out["allow_shrink"] = true;
  return out;
}

}  // namespace virtplan::storage
