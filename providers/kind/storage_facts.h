#pragma once

// The rules of storage/'s pools and volumes that other folders need too:
// kvm/ writes and moves the disks of domains (and may not include storage/,
// tests/check_layers), and the planner asks the volume kind
// (ResourceKind::volume_base). Each is decided here once, and storage/ reads
// the same rule.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::providers {

// Whether a pool of libvirt type `type` ("dir") keeps its volumes as files
// in a target directory of its own, each named after its volume: dir, fs
// and netfs. The others' volumes are block devices (logical, disk), LUNs or
// network disks that only the pool names.
bool pool_of_files(std::string_view type);

// VolumeBase is the file an overlay volume's own data lies over (its
// backing file), as the volume's spec (storage/volume_spec.h) says.
struct VolumeBase {
  // A volume of the overlay's own pool (`backing: base`: its file lies in
  // the pool's directory); else an image of the host's cache fetched by URL
  // (an overlay of `backing: {source: ...}`, or a clone of a base_only
  // volume), which a migration checks it is (kvm/migration_files.h).
  enum class Where { pool, image_cache };

  Where where = Where::pool;
  std::string name;    // the pool's volume, or the cached image's file name ("sha256-HEX")
  std::string path;    // the backing file, on the overlay's host
  std::string format;  // "raw" when the spec does not say
};

// The base of the volume whose spec is `volume`; nullopt when it is no
// overlay.
std::optional<VolumeBase> volume_base_of(const nlohmann::json& volume);

// A digest of an image, as a declaration gives it (`sha256:`, `sha512:`),
// a checksum file says it (storage/checksum_file.h) and the host's image
// cache names its files by it.
struct ImageDigest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string hex;        // lowercase
};

// The algorithm a digest of this many hex digits is made by; empty for
// another length. And the other way: how many hex digits a digest of
// `algorithm` has; 0 for an algorithm other than sha256 and sha512.
std::string_view digest_algorithm(std::size_t hex_digits);
std::size_t digest_hex_digits(std::string_view algorithm);

// The digest an image in a host's image cache is named by: its file is
// ALGORITHM-HEX ("sha256-" and 64 lowercase hex digits, or "sha512-" and
// 128), as storage/'s fetch names it; a migration knows an overlay's base
// for a cached image by that name (kvm/migration_files.h) and fetches it
// there by that digest (storage/volume_upload.h). nullopt for a file (a
// name, not a path) of any other name.
std::optional<ImageDigest> cached_image_digest(std::string_view file_name);

}  // namespace virtplan::providers
