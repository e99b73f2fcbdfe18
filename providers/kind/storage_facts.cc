#include "providers/kind/storage_facts.h"

namespace virtplan::providers {

bool pool_of_files(std::string_view type) { return type == "dir" || type == "fs" || type == "netfs"; }

std::optional<VolumeBase> volume_base_of(const nlohmann::json& volume) {
  if (!volume.is_object() || !volume.contains("backing_store")) return std::nullopt;
  const nlohmann::json& store = volume["backing_store"];
  VolumeBase base;
  base.path = store.value("path", "");
  base.format = store.value("format", "raw");
  // A backing file in the overlay's own directory reads back as a bare name
  // (storage/volume_xml.h): a volume of its pool, unless the stack made the
  // overlay over an image by URL.
  const std::string backing = volume.value("backing", "");
  if (!volume.contains("backing_url") && !backing.empty() && backing.find('/') == std::string::npos) {
    base.name = backing;
  } else {
    base.where = VolumeBase::Where::image_cache;
    base.name = base.path.substr(base.path.rfind('/') + 1);
  }
  return base;
}

namespace {

// The digests an image is verified by, and their lengths in hex digits.
struct DigestLength {
  std::string_view algorithm;
  std::size_t hex_digits;
};
constexpr DigestLength k_digest_lengths[] = {{"sha256", 64}, {"sha512", 128}};

}  // namespace

std::string_view digest_algorithm(std::size_t hex_digits) {
  for (const auto& digest : k_digest_lengths)
    if (digest.hex_digits == hex_digits) return digest.algorithm;
  return {};
}

std::size_t digest_hex_digits(std::string_view algorithm) {
  for (const auto& digest : k_digest_lengths)
    if (digest.algorithm == algorithm) return digest.hex_digits;
  return 0;
}

std::optional<ImageDigest> cached_image_digest(std::string_view file_name) {
  const auto dash = file_name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view algorithm = file_name.substr(0, dash), hex = file_name.substr(dash + 1);
  if (digest_algorithm(hex.size()) != algorithm ||
      hex.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return std::nullopt;
  return ImageDigest{std::string(algorithm), std::string(hex)};
}

}  // namespace virtplan::providers
