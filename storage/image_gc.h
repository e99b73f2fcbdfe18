#pragma once

// Image cache garbage collection (`virtplan gc`): which images in a host's
// image cache (storage/image_fetch.h) one stack may remove, and removing
// them, only when asked. Per stack and safe by construction: an image is
// removed only when
//   - its name is one the fetch script writes (sha256-HEX, sha512-HEX, a
//     regular file): anything else in the directory is never touched;
//   - its record (ALGO-HEX.stacks, written by the fetch script) says this
//     stack fetched it, and no other stack did (another stack's claim is
//     released by that stack's gc: this one only drops its own line);
//   - no volume of this stack names its digest, nor any `keep` name;
//   - no ledger on the host (any stack's) names its digest: a volume made
//     from it, or a clone backed by it;
//   - no process has it open (a domain reading it as a backing file);
//   - no fetch holds its lock (flock -n on ALGO-HEX.lock, held while it
//     is removed; the lock file itself stays).
// An image without a record (fetched before records were written, or put
// there by hand) is kept.

#include "providers/base/error.h"
#include "storage/image_fetch.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::storage {

// One image in a cache, and what gc does (or would do) with it.
struct CachedImageVerdict {
  // remove, release: what a gc that removes would do; removed, released:
  // done (released: this stack's line dropped from the record, others keep it).
  enum class Action { keep, remove, removed, release, released };
  std::string name;  // "sha256-HEX"
  std::uint64_t size = 0;
  Action action = Action::keep;
  std::string why;  // for keep and released: "named by this stack", "in the ledger of stack web"...

  bool operator==(const CachedImageVerdict&) const = default;
};

enum class GcMode { list, remove };

// The cache names ("sha256-HEX") the digests of a volume spec name: its
// image's, its base's, its backing image's.
std::vector<std::string> image_names(const nlohmann::json& volume_spec);

// Lists (or removes) the images of `site.cache` that `site.stack` may
// remove, keeping `keep` (cache names); `ledger_dir` is the hosts' ledgers.
providers::Result<std::vector<CachedImageVerdict>> collect_images(FetchSite& site,
                                                                  std::string_view ledger_dir,
                                                                  const std::vector<std::string>& keep,
                                                                  GcMode mode);

namespace image_gc {
// The script's lines, read (tested alone).
providers::Result<std::vector<CachedImageVerdict>> read_report(std::string_view out, std::string_view err);
}  // namespace image_gc

}  // namespace virtplan::storage
