#include "storage/source_image.h"

#include "providers/base/regular_file.h"
#include "providers/base/sha256.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

namespace virtplan::storage {

using providers::ErrorCode;
using providers::fail;
using providers::Result;

namespace {

constexpr std::size_t k_piece = 1024 * 1024;

std::uint64_t big_endian(const unsigned char* bytes, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

Result<SourceImage> SourceImage::inspect(const std::string& path, bool hash) {
  // Only a regular file: a FIFO or a device would hang or never end.
  auto in = providers::RegularFile::open(path);
  if (!in && in.error().code() == ErrorCode::invalid) {
    return fail(ErrorCode::invalid, fmt::format("source file {}", in.error().message()));
  }
  if (!in) return fail(ErrorCode::not_found, fmt::format("cannot read source file {}", path));
  SourceImage image;
  image.path = path;
  std::vector<char> piece(k_piece);
  providers::Sha256 sha;
  bool first = true;
  while (true) {
    auto read = in->read_some(piece.data(), piece.size());
    if (!read) return fail(ErrorCode::other, fmt::format("reading source file {} failed", path));
    const std::size_t got = *read;
    if (got == 0) break;
    if (first) {
      const auto* bytes = reinterpret_cast<const unsigned char*>(piece.data());
      // QCOW2's header: "QFI\xfb", version, ..., the virtual size at byte 24.
      if (got >= 32 && std::memcmp(bytes, "QFI\xfb", 4) == 0) {
        image.format = "qcow2";
        image.virtual_size = big_endian(bytes + 24, 8);
      }
      first = false;
      if (!hash) {
        image.size = in->size();
        break;
      }
    }
    image.size += got;
    sha.update(piece.data(), got);
  }
  if (hash) image.sha256 = sha.hex();
  if (image.format == "raw") image.virtual_size = image.size;
  return image;
}

}  // namespace virtplan::storage
