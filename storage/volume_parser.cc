#include "storage/volume_parser.h"

#include "storage/source_image.h"
#include "storage/volume_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace virtplan::storage {
namespace {

using providers::Diagnostics;
using providers::StackObject;
using providers::YamlMap;
using providers::YamlValue;

// qcow2 is the overlay format libvirt and QEMU handle best; others with
// backing files (qed, vmdk) are legacy.
constexpr std::string_view k_overlay_format = "qcow2";

std::optional<std::string> read_format(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  if (std::find(std::begin(k_volume_formats), std::end(k_volume_formats), *text) !=
      std::end(k_volume_formats)) {
    return text;
  }
  std::set<std::string, std::less<>> candidates(std::begin(k_volume_formats), std::end(k_volume_formats));
  auto match = providers::closest_match(*text, candidates);
  value.error(diags, fmt::format("unknown volume format '{}'{} (expected one of {})", *text,
                                 match ? fmt::format(" (did you mean '{}'?)", *match) : "",
                                 fmt::join(k_volume_formats, ", ")));
  return std::nullopt;
}

std::optional<std::string> read_located_name(YamlMap& map, const char* key, StackObject& object,
                                             Diagnostics& diags) {
  auto value = map.get(key);
  if (!value) return std::nullopt;
  auto name = value->as_name(diags);
  if (name) object.locations[std::string("/") + key] = value->where();
  return name;
}

void check_backing(const YamlMap& map, const VolumeSpec& spec, const std::optional<YamlValue>& format,
                   const StackObject& object, Diagnostics& diags) {
  if (!spec.backing) return;
  // Without `format:` an overlay is qcow2 already, so only an explicit one is wrong.
  if (spec.format != k_overlay_format && format) {
    format->error(diags,
                  fmt::format("a volume with 'backing' must be {}, not {}", k_overlay_format, spec.format));
  }
  if (spec.source) {
    map.error(diags,
              "a volume takes 'source' or 'backing', not both (an upload would overwrite the overlay)");
  }
  if (*spec.backing == object.id.name) {
    map.error(diags, fmt::format("volume {} cannot be its own backing volume", object.id.name));
  }
}

// The source file, relative to the stack file's folder, made absolute (apply
// may run elsewhere), and the sha256 of its content.
void read_source(const YamlValue& value, VolumeSpec& spec, Diagnostics& diags) {
  std::filesystem::path path(*spec.source);
  if (path.is_relative()) path = std::filesystem::path(value.where().file).parent_path() / path;
  spec.source = std::filesystem::absolute(path).lexically_normal().string();
  auto image = SourceImage::inspect(*spec.source, true);
  if (!image) {
    value.error(diags, image.error().message());
    return;
  }
  spec.source_sha256 = image->sha256;
}

}  // namespace

void parse_volume(YamlMap& map, StackObject& object, Diagnostics& diags) {
  VolumeSpec spec;
  spec.pool = read_located_name(map, "pool", object, diags);
  if (!map.get("pool")) map.error(diags, "a volume needs 'pool' (the pool it lives in)");
  spec.backing = read_located_name(map, "backing", object, diags);
  // An overlay is qcow2 unless the stack says otherwise (and then it is an error).
  spec.format = spec.backing ? std::string(k_overlay_format) : "raw";
  auto format = map.get("format");
  if (format) spec.format = read_format(*format, diags).value_or(spec.format);
  if (auto value = map.get("source")) {
    spec.source = value->as_string(diags);
    if (spec.source && spec.source->empty()) {
      value->error(diags, "'source' is an empty path");
      spec.source.reset();
    }
    if (spec.source) read_source(*value, spec, diags);
  }
  if (auto value = map.get("capacity")) {
    spec.capacity = value->as_size(diags);
    if (spec.capacity == 0u) value->error(diags, "'capacity' must be more than 0 bytes");
    if (spec.capacity) object.locations["/capacity"] = value->where();
  } else if (!spec.source && !spec.backing) {
    map.error(diags, "a volume needs 'capacity' unless it has a 'source' file or a 'backing' volume");
  }
  spec.protect = false;
  if (auto value = map.get("protect")) spec.protect = value->as_bool(diags).value_or(false);
  spec.allow_shrink = false;
  if (auto value = map.get("allow_shrink")) spec.allow_shrink = value->as_bool(diags).value_or(false);
  check_backing(map, spec, format, object, diags);
  object.spec = spec.to_json();
}

}  // namespace virtplan::storage
