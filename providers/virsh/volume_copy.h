#pragma once

// copy_volume_bytes() copies one volume's bytes from one host to another
// through the control machine: `virsh vol-download` on the source, a piece
// at a time (`--offset`, `--length`), each piece sent on to `virsh
// vol-upload` at the same offset on the destination. Both commands run over
// the hosts' own transports (over SSH: virtplan's sessions, encrypted and
// authenticated as every other command), so the hypervisors need no route
// to each other and no trust between them. At most two pieces are in memory
// at once: the next is read while the last is written. A piece of zeros is
// not written to a raw volume (a new raw volume reads as zeros already), so
// a sparse disk stays sparse where it was.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <cstdint>
#include <functional>
#include <string>

namespace virtplan::providers {

// One volume on one host: its pool and name.
struct VolumeAt {
  const VirshRunner& virsh;
  std::string pool;
  std::string name;
};

struct VolumeCopyOptions {
  std::uint64_t piece = 32ull * 1024 * 1024;
  // Whether pieces of zeros may be left out (the destination reads as zeros
  // where nothing was written: a new raw volume).
  bool skip_zeros = false;
  // Bytes copied so far, of `size`; may be empty.
  std::function<void(std::uint64_t copied, std::uint64_t size)> progress = {};
};

// Copies the first `size` bytes of `from` into `to` (which must be at least
// that large). Errors say which piece and which side failed.
Result<void> copy_volume_bytes(const VolumeAt& from, const VolumeAt& to, std::uint64_t size,
                               const VolumeCopyOptions& options = {});

}  // namespace virtplan::providers
