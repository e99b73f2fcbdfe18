#include "storage/volume_stack_writer.h"

#include "providers/base/stack_size.h"
#include "storage/volume_spec.h"

namespace virtplan::storage {

using nlohmann::json;

namespace {

// `{url: URL, sha256: HEX}` (or sha512, or checksum_url: the stack's way,
// whatever digest the ledger recorded besides).
json image_source(const std::string& url, const std::optional<std::string>& checksum_url,
                  const std::optional<std::string>& sha512, const std::optional<std::string>& sha256) {
  json source = {{"url", url}};
  if (checksum_url) {
    source["checksum_url"] = *checksum_url;
  } else if (sha512) {
    source["sha512"] = *sha512;
  } else if (sha256) {
    source["sha256"] = *sha256;
  }
  return source;
}

}  // namespace

providers::Result<json> volume_to_stack(const providers::Spec& spec) {
  auto typed = VolumeSpec::from_json(spec);
  if (!typed) return providers::fail(typed.error());
  if (!typed->pool) return providers::fail(providers::ErrorCode::invalid, "volume spec: no pool");
  json out = {{"pool", *typed->pool}};
  // An overlay of a cached image names its image, not the cache's file.
  const std::optional<std::string> backing = typed->backing_url ? std::nullopt : typed->backing;
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
    json source = image_source(*typed->source_url, typed->source_checksum_url, typed->source_sha512,
                               typed->source_sha256);
    if (typed->source_fetch) source["fetch"] = *typed->source_fetch;
    out["source"] = source;
  }
  if (typed->backing_url) {
    out["backing"] = {{"source", image_source(*typed->backing_url, typed->backing_checksum_url,
                                              typed->backing_sha512, typed->backing_sha256)}};
    if (typed->format == "qcow2") out.erase("format");
  }
  if (typed->base_only) out["base_only"] = true;
  if (typed->protect) out["protect"] = true;
  if (typed->allow_shrink) out["allow_shrink"] = true;
  return out;
}

}  // namespace virtplan::storage
