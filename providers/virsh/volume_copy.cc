#include "providers/virsh/volume_copy.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <optional>

namespace virtplan::providers {
namespace {

Result<std::string> download(const VolumeAt& from, std::uint64_t offset, std::uint64_t length) {
  return from.virsh.run_alone(
      {"vol-download", "--pool", from.pool, "--vol", from.name, "--file", "/dev/stdout", "--offset",
       std::to_string(offset), "--length", std::to_string(length)},
      std::nullopt);
}

Result<std::string> upload(const VolumeAt& to, std::uint64_t offset, std::string piece) {
  const std::uint64_t length = piece.size();
  return to.virsh.run_alone({"vol-upload", "--pool", to.pool, "--vol", to.name, "--file", "/dev/stdin",
                             "--offset", std::to_string(offset), "--length", std::to_string(length)},
                            std::move(piece));
}

bool all_zeros(const std::string& piece) {
  return std::all_of(piece.begin(), piece.end(), [](char c) { return c == 0; });
}

}  // namespace

Result<void> copy_volume_bytes(const VolumeAt& from, const VolumeAt& to, std::uint64_t size,
                               const VolumeCopyOptions& options) {
  auto fetch = [&](std::uint64_t offset) {
    return std::async(std::launch::async, [&from, offset, size, &options] {
      return download(from, offset, std::min(options.piece, size - offset));
    });
  };
  std::optional<std::future<Result<std::string>>> next;
  if (size > 0) next = fetch(0);
  for (std::uint64_t offset = 0; offset < size;) {
    auto piece = next->get();
    next.reset();
    if (!piece) {
      return fail(piece.error().with_context(
          fmt::format("reading {}/{} at byte {} failed", from.pool, from.name, offset)));
    }
    const std::uint64_t length = std::min(options.piece, size - offset);
    if (piece->size() != length) {
      return fail(ErrorCode::other, fmt::format("reading {}/{} at byte {}: got {} bytes, expected {}",
                                                from.pool, from.name, offset, piece->size(), length));
    }
    if (offset + length < size) next = fetch(offset + length);
    if (!(options.skip_zeros && all_zeros(*piece))) {
      auto written = upload(to, offset, std::move(*piece));
      if (!written) {
        if (next) next->wait();
        return fail(written.error().with_context(
            fmt::format("writing {}/{} at byte {} failed", to.pool, to.name, offset)));
      }
    }
    offset += length;
    if (options.progress) options.progress(offset, size);
  }
  return {};
}

}  // namespace virtplan::providers
