#include "storage/volume_parser.h"

#include "storage/checksum_file.h"
#include "storage/source_image.h"
#include "storage/volume_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace virtplan::storage {
namespace {

using providers::Diagnostics;
using providers::digest_hex_digits;
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
  if (!spec.backing && !spec.backing_url) return;
  // Without `format:` an overlay is qcow2 already, so only an explicit one is wrong.
  if (spec.format != k_overlay_format && format) {
    format->error(diags,
                  fmt::format("a volume with 'backing' must be {}, not {}", k_overlay_format, spec.format));
  }
  if (spec.source || spec.source_url) {
    map.error(diags,
              "a volume takes 'source' or 'backing', not both (an upload would overwrite the overlay)");
  }
  if (spec.backing && *spec.backing == object.id.name) {
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

// A URL virtplan hands to curl or wget on a host: http or https only (no
// file:// or other schemes reaching the host's own files), printable ASCII
// without spaces (nothing a terminal or a log would take for something
// else), and not too long for a command line. It crosses the host's shell
// only as an argument (storage/image_fetch.h).
std::optional<std::string> read_url(const YamlValue& value, Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  const bool printable = std::all_of(text->begin(), text->end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!printable) {
    value.error(diags, "a URL may hold no spaces or control characters (percent-encode them)");
    return std::nullopt;
  }
  const bool http = text->starts_with("http://") || text->starts_with("https://");
  const auto host_at = text->find("://") + 3;
  if (!http || host_at >= text->size() || (*text)[host_at] == '/') {
    value.error(diags, fmt::format("'{}' is not an http:// or https:// URL", *text));
    return std::nullopt;
  }
  if (text->size() > 4096) {
    value.error(diags, "a URL may be at most 4096 characters long");
    return std::nullopt;
  }
  return text;
}

// A digest of `algorithm`, as hex digits of its length; stored lowercase.
std::optional<std::string> read_digest(const YamlValue& value, std::string_view algorithm,
                                       Diagnostics& diags) {
  auto text = value.as_string(diags);
  if (!text) return std::nullopt;
  std::string hex;
  for (char c : *text) hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const bool digits = std::all_of(hex.begin(), hex.end(),
                                  [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (!digits || digest_algorithm(hex.size()) != algorithm) {
    value.error(diags, fmt::format("'{}' must be {} hex digits", algorithm, digest_hex_digits(algorithm)));
    return std::nullopt;
  }
  return hex;
}

// `source: {url: URL, sha256: HEX}` (or sha512, or checksum_url): exactly
// one way to verify the image, since an image is never used unverified.
void read_source_url(const YamlValue& value, VolumeSpec& spec, Diagnostics& diags) {
  auto map = value.as_map(diags);
  if (!map) return;
  if (auto url = map->get("url")) {
    spec.source_url = read_url(*url, diags);
  } else {
    map->error(diags, "'source' needs 'url' (or is the path of a file on this machine)");
  }
  int ways = 0;
  if (auto digest = map->get("sha256")) {
    ++ways;
    spec.source_sha256 = read_digest(*digest, "sha256", diags);
  }
  if (auto digest = map->get("sha512")) {
    ++ways;
    spec.source_sha512 = read_digest(*digest, "sha512", diags);
  }
  if (auto sums = map->get("checksum_url")) {
    ++ways;
    spec.source_checksum_url = read_url(*sums, diags);
    if (spec.source_url && image_file_name(*spec.source_url).empty()) {
      sums->error(diags,
                  fmt::format("the URL {} names no file to look up in the checksum file", *spec.source_url));
    }
  }
  if (auto fetch = map->get("fetch")) {
    // host (the default) is not recorded, so that saying it changes nothing.
    auto where = fetch->as_enum(diags, {"host", "client"});
    if (where == "client") spec.source_fetch = *where;
  }
  if (ways != 1) {
    map->error(diags,
               "'source' needs exactly one of 'sha256', 'sha512' or 'checksum_url': an image is "
               "used only once its digest matches");
  }
  map->report_unknown(diags);
}

// `backing: {source: {url, sha256 | sha512 | checksum_url}}`: an overlay of
// an image the host fetches into its cache, read as a source image is.
void read_backing_image(const YamlValue& value, VolumeSpec& spec, Diagnostics& diags) {
  auto map = value.as_map(diags);
  if (!map) return;
  auto source = map->get("source");
  map->report_unknown(diags);
  if (!source) {
    map->error(diags, "'backing' is a volume's name or {source: {url: ..., sha256: ...}}");
    return;
  }
  VolumeSpec image;
  read_source_url(*source, image, diags);
  if (image.source_fetch) {
    source->error(diags, "a backing image lives on the host: 'fetch: client' is for 'source' only");
  }
  spec.backing_url = image.source_url;
  spec.backing_sha256 = image.source_sha256;
  spec.backing_sha512 = image.source_sha512;
  spec.backing_checksum_url = image.source_checksum_url;
}

// `base_only: true`: only for an image by URL with a digest of its own, which
// the host keeps in its cache for the clones (storage/volume_spec.h). Not
// with checksum_url (a republished checksum file would give clones a base
// no stack named) nor `fetch: client` (the host's cache would not hold it).
void read_base_only(const YamlValue& value, VolumeSpec& spec, Diagnostics& diags) {
  if (!value.as_bool(diags).value_or(false)) return;
  if (!spec.source_url) {
    value.error(diags, "'base_only' is for a volume whose source is an image by URL ({url, sha256})");
  } else if (!spec.source_sha256 && !spec.source_sha512) {
    value.error(diags, "'base_only' needs the image's own sha256 or sha512, not checksum_url");
  } else if (spec.source_fetch) {
    value.error(diags, "'base_only' needs the image in the host's cache: not with 'fetch: client'");
  } else {
    spec.base_only = true;
  }
}

}  // namespace

void parse_volume(YamlMap& map, StackObject& object, Diagnostics& diags) {
  VolumeSpec spec;
  spec.pool = read_located_name(map, "pool", object, diags);
  if (!map.get("pool")) map.error(diags, "a volume needs 'pool' (the pool it lives in)");
  if (auto backing = map.get("backing"); backing && backing->is_map()) {
    read_backing_image(*backing, spec, diags);
  } else {
    spec.backing = read_located_name(map, "backing", object, diags);
  }
  // An overlay is qcow2 unless the stack says otherwise (and then it is an error).
  spec.format = spec.backing || spec.backing_url ? std::string(k_overlay_format) : "raw";
  auto format = map.get("format");
  if (format) spec.format = read_format(*format, diags).value_or(spec.format);
  auto source = map.get("source");
  if (source && source->is_map()) {
    read_source_url(*source, spec, diags);
  } else if (auto value = source) {
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
  } else if (!source && !spec.backing && !spec.backing_url && !map.get("backing")) {
    map.error(diags, "a volume needs 'capacity' unless it has a 'source' or a 'backing' volume");
  }
  if (auto value = map.get("base_only")) read_base_only(*value, spec, diags);
  spec.protect = false;
  if (auto value = map.get("protect")) spec.protect = value->as_bool(diags).value_or(false);
  spec.allow_shrink = false;
  if (auto value = map.get("allow_shrink")) spec.allow_shrink = value->as_bool(diags).value_or(false);
  check_backing(map, spec, format, object, diags);
  object.spec = spec.to_json();
}

}  // namespace virtplan::storage
