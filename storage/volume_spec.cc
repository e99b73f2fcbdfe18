#include "storage/volume_spec.h"

#include "storage/optional_json.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Result;

VolumeSpec volume_spec_from(const json& in) {
  VolumeSpec spec;
  spec.pool = take<std::string>(in, "pool");
  spec.format = in.value("format", "raw");
  spec.capacity = take<std::uint64_t>(in, "capacity");
  spec.backing = take<std::string>(in, "backing");
  if (in.contains("backing_store")) {
    const json& store = in.at("backing_store");
    spec.backing_store = BackingStore{store.at("path").get<std::string>(), store.value("format", "")};
  }
  spec.source = take<std::string>(in, "source");
  spec.source_sha256 = take<std::string>(in, "source_sha256");
  spec.source_url = take<std::string>(in, "source_url");
  spec.source_sha512 = take<std::string>(in, "source_sha512");
  // A base's digest (storage/volume_spec.h): the image's, under its own key.
  spec.base_only = take<bool>(in, "base_only");
  if (auto digest = take<std::string>(in, "base_sha256")) spec.source_sha256 = digest;
  if (auto digest = take<std::string>(in, "base_sha512")) spec.source_sha512 = digest;
  spec.source_checksum_url = take<std::string>(in, "source_checksum_url");
  spec.source_fetch = take<std::string>(in, "source_fetch");
  spec.backing_url = take<std::string>(in, "backing_url");
  spec.backing_sha256 = take<std::string>(in, "backing_sha256");
  spec.backing_sha512 = take<std::string>(in, "backing_sha512");
  spec.backing_checksum_url = take<std::string>(in, "backing_checksum_url");
  spec.protect = take<bool>(in, "protect");
  spec.allow_shrink = take<bool>(in, "allow_shrink");
  return spec;
}

}  // namespace

json VolumeSpec::to_json() const {
  json out = {{"format", format}};
  put(out, "pool", pool);
  put(out, "capacity", capacity);
  put(out, "backing", backing);
  if (backing_store) {
    out["backing_store"] = {{"path", backing_store->path}, {"format", backing_store->format}};
  }
  put(out, "source", source);
  const bool base = base_only.value_or(false);
  put(out, base ? "base_sha256" : "source_sha256", source_sha256);
  put(out, "source_url", source_url);
  put(out, base ? "base_sha512" : "source_sha512", source_sha512);
  if (base) out["base_only"] = true;
  put(out, "source_checksum_url", source_checksum_url);
  put(out, "source_fetch", source_fetch);
  put(out, "backing_url", backing_url);
  put(out, "backing_sha256", backing_sha256);
  put(out, "backing_sha512", backing_sha512);
  put(out, "backing_checksum_url", backing_checksum_url);
  put(out, "protect", protect);
  put(out, "allow_shrink", allow_shrink);
  return out;
}

Result<VolumeSpec> VolumeSpec::from_json(const json& value) {
  return providers::read_or_invalid("volume spec", [&] { return volume_spec_from(value); });
}

}  // namespace virtplan::storage
